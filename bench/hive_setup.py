"""Sets up the HIVE catalog chain that bench/metadata.sh and bench/query.sh
measure: tables in a real owlery-metastore, their data in owlery's S3, the
connector function (owlery-hms-connector) deployed in owlery serve, and data
catalogs pointing at it. Everything is in the benchmark account 111122223333,
whose root key (BENCH_ACCESS_KEY, BENCH_SECRET_KEY) both owns and queries the
catalog.

The Hive structs come from `thrift --gen py` of
tests/integration/hms/metastore.thrift, in the folder given by --thrift-py.

Subcommands:
  metastore   creates database "bench" and the tables the queries read:
              flights_parquet, flights_csv (partitioned by dt, one partition
              per folder of --csv-dir), small (unpartitioned CSV) and, for
              each --partitions N, parts_N with N partitions dt=000000...
  aws         creates the buckets and uploads the data files that are
              given, plus the one data file of the parts_N tables. Then it
              creates the connector's execution role, the function "hms"
              with data catalog "ehms", and --cold pairs of function
              "hms-cold-I" and catalog "ehms-cold-I" that are never invoked.
"""

import argparse
import json
import os
import sys

ACCOUNT = "111122223333"
DATA_BUCKET = "bench-data"
SPILL_BUCKET = "bench-spill"
RESULTS_BUCKET = "bench-results"
ROLE_NAME = "bench-connector"
PARTITION_BATCH = 1000

FLIGHT_COLUMNS = [("date", "timestamp"), ("delay", "bigint"), ("distance", "bigint"),
                  ("origin", "string"), ("destination", "string")]
PARQUET = ("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
           "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
           "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe")
TEXT = ("org.apache.hadoop.mapred.TextInputFormat",
        "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe")


def storage(ttypes, columns, location, formats):
    input_format, output_format, serde = formats
    params = {"field.delim": ","} if formats is TEXT else {}
    return ttypes.StorageDescriptor(
        cols=[ttypes.FieldSchema(name, kind, None) for name, kind in columns],
        location=location, inputFormat=input_format, outputFormat=output_format,
        compressed=False, numBuckets=-1, serdeInfo=ttypes.SerDeInfo("bench", serde, params),
        bucketCols=[], sortCols=[], parameters={})


def create_table(hms, ttypes, name, columns, location, formats, partitions=None):
    """Creates bench.NAME and adds partitions dt=VALUE under location, in batches."""
    keys = [ttypes.FieldSchema("dt", "string", None)] if partitions is not None else []
    hms.create_table(ttypes.Table(
        tableName=name, dbName="bench", owner="bench", createTime=1700000000, lastAccessTime=0,
        retention=0, sd=storage(ttypes, columns, location, formats), partitionKeys=keys,
        parameters={"EXTERNAL": "TRUE"}, tableType="EXTERNAL_TABLE"))
    for start in range(0, len(partitions or []), PARTITION_BATCH):
        hms.add_partitions([
            ttypes.Partition(values=[value], dbName="bench", tableName=name,
                             createTime=1700000000, lastAccessTime=0,
                             sd=storage(ttypes, columns, f"{location}/dt={value}", formats),
                             parameters={})
            for value in partitions[start:start + PARTITION_BATCH]])


def setup_metastore(args):
    sys.path.insert(0, args.thrift_py)
    from owlery_hms import ThriftHiveMetastore
    from owlery_hms import ttypes
    from thrift.protocol import TBinaryProtocol
    from thrift.transport import TSocket, TTransport

    transport = TTransport.TBufferedTransport(TSocket.TSocket("127.0.0.1", args.port))
    transport.open()
    hms = ThriftHiveMetastore.Client(TBinaryProtocol.TBinaryProtocol(transport))
    hms.create_database(ttypes.Database("bench", "benchmark data", f"s3://{DATA_BUCKET}", {}))
    create_table(hms, ttypes, "flights_parquet", FLIGHT_COLUMNS,
                 f"s3://{DATA_BUCKET}/flights-parquet", PARQUET)
    days = sorted(entry[len("dt="):] for entry in os.listdir(args.csv_dir)) if args.csv_dir else []
    create_table(hms, ttypes, "flights_csv", FLIGHT_COLUMNS, f"s3://{DATA_BUCKET}/flights-csv",
                 TEXT, days)
    create_table(hms, ttypes, "small", FLIGHT_COLUMNS, f"s3://{DATA_BUCKET}/small", TEXT)
    for count in args.partitions:
        create_table(hms, ttypes, f"parts_{count}", [("id", "bigint"), ("v", "string")],
                     f"s3://{DATA_BUCKET}/parts", TEXT, [f"{i:06d}" for i in range(count)])
    transport.close()


def setup_aws(args):
    import boto3

    session = boto3.Session(aws_access_key_id=os.environ["BENCH_ACCESS_KEY"],
                            aws_secret_access_key=os.environ["BENCH_SECRET_KEY"],
                            region_name="us-east-1")
    s3 = session.client("s3", endpoint_url=args.endpoint)
    for bucket in (DATA_BUCKET, SPILL_BUCKET, RESULTS_BUCKET):
        s3.create_bucket(Bucket=bucket)
    if args.parquet:
        s3.upload_file(args.parquet, DATA_BUCKET, "flights-parquet/flights-3m.parquet")
    if args.small:
        s3.upload_file(args.small, DATA_BUCKET, "small/small.csv")
    # The only partition of the parts_N tables that contains data.
    s3.put_object(Bucket=DATA_BUCKET, Key="parts/dt=000042/part-0.csv", Body=b"1,a\n2,b\n")
    for day in sorted(os.listdir(args.csv_dir)) if args.csv_dir else []:
        for name in os.listdir(os.path.join(args.csv_dir, day)):
            s3.upload_file(os.path.join(args.csv_dir, day, name), DATA_BUCKET,
                           f"flights-csv/{day}/{name}")

    iam = session.client("iam", endpoint_url=args.endpoint)
    role = iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                       "Principal": {"Service": "lambda.amazonaws.com"}}]}))["Role"]
    iam.put_role_policy(RoleName=ROLE_NAME, PolicyName="spill", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow",
                       "Action": ["s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket",
                                  "s3:PutObject"],
                       "Resource": [f"arn:aws:s3:::{SPILL_BUCKET}",
                                    f"arn:aws:s3:::{SPILL_BUCKET}/*"]}]}))

    with open(args.zip, "rb") as f:
        package = f.read()
    lam = session.client("lambda", endpoint_url=args.endpoint)
    athena = session.client("athena", endpoint_url=args.endpoint)
    hms_uris = f"thrift://127.0.0.1:{args.port}"
    # A 64 KiB spill threshold makes every page of 1,000 partitions go through S3.
    functions = [("hms", "ehms", {"HMS_URIS": hms_uris, "SPILL_LOCATION": f"s3://{SPILL_BUCKET}/spill",
                                  "SPILL_THRESHOLD": "65536"})]
    functions += [(f"hms-cold-{i}", f"ehms-cold-{i}", {"HMS_URIS": hms_uris})
                  for i in range(1, args.cold + 1)]
    for function_name, catalog, environment in functions:
        function = lam.create_function(FunctionName=function_name, Runtime="provided.al2023",
                                       Role=role["Arn"], Handler="bootstrap", Timeout=60,
                                       Environment={"Variables": environment},
                                       Code={"ZipFile": package})
        athena.create_data_catalog(Name=catalog, Type="HIVE",
                                   Parameters={"metadata-function": function["FunctionArn"]})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    metastore = sub.add_parser("metastore")
    metastore.add_argument("--port", type=int, required=True)
    metastore.add_argument("--thrift-py", required=True)
    metastore.add_argument("--csv-dir")
    metastore.add_argument("--partitions", type=int, nargs="*", default=[])
    aws = sub.add_parser("aws")
    aws.add_argument("--endpoint", required=True)
    aws.add_argument("--port", type=int, required=True, help="the metastore's port")
    aws.add_argument("--zip", required=True)
    aws.add_argument("--parquet")
    aws.add_argument("--small")
    aws.add_argument("--csv-dir")
    aws.add_argument("--cold", type=int, default=0)
    args = parser.parse_args()
    if not getattr(args, "endpoint", "http://127.0.0.1:").startswith("http://127.0.0.1:"):
        sys.exit(f"hive_setup.py: endpoint {args.endpoint} is not http://127.0.0.1:PORT")
    if args.command == "metastore":
        setup_metastore(args)
    else:
        setup_aws(args)


if __name__ == "__main__":
    main()
