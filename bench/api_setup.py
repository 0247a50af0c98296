"""Creates what the GetDataCatalog and GetPolicy calls of bench/api.sh read.
On one server (owlery serve or moto server), given by its endpoint URL, it
creates the data catalog "bench" of type HIVE and the Lambda function
"bench-policy" with one resource-based policy statement. It calls through
boto3 with the credentials in BENCH_ACCESS_KEY and BENCH_SECRET_KEY.

Usage: python3 bench/api_setup.py http://127.0.0.1:PORT
"""

import io
import json
import os
import sys
import zipfile

import boto3

ACCOUNT = "111122223333"
ROLE_NAME = "bench-lambda-exec"


def main():
    endpoint = sys.argv[1]
    if not endpoint.startswith("http://127.0.0.1:"):
        sys.exit(f"api_setup.py: endpoint {endpoint} is not http://127.0.0.1:PORT")
    session = boto3.Session(aws_access_key_id=os.environ["BENCH_ACCESS_KEY"],
                            aws_secret_access_key=os.environ["BENCH_SECRET_KEY"],
                            region_name="us-east-1")

    iam = session.client("iam", endpoint_url=endpoint)
    role = iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                       "Principal": {"Service": "lambda.amazonaws.com"}}]}))["Role"]

    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o100755 << 16
        archive.writestr(info, "#!/bin/sh\nexit 0\n")
    lam = session.client("lambda", endpoint_url=endpoint)
    function = lam.create_function(FunctionName="bench-policy", Runtime="provided.al2023",
                                   Role=role["Arn"], Handler="bootstrap",
                                   Code={"ZipFile": package.getvalue()})
    lam.add_permission(FunctionName="bench-policy", StatementId="athena-invoke",
                       Action="lambda:InvokeFunction", Principal=f"arn:aws:iam::{ACCOUNT}:root")

    athena = session.client("athena", endpoint_url=endpoint)
    athena.create_data_catalog(Name="bench", Type="HIVE",
                               Parameters={"metadata-function": function["FunctionArn"]})


if __name__ == "__main__":
    main()
