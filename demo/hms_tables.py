"""Create the demo's database and tables in a Hive metastore over Thrift.

The producer's metastore gets one database whose tables point at the
vega-datasets files that scripts/demo uploads under
s3://athena-test/lambda/dataset/:

  airports        airports.csv, quoted CSV with a header (OpenCSVSerde)
  weather         seattle-weather.csv, plain CSV with a header (LazySimpleSerDe)
  flights_raw     flights-3m.parquet as published, one Parquet file; the demo
                  turns it into table flights, partitioned by month, with CTAS
  flights_hourly  no data: one partition per hour of 2001, so that listing
                  its partitions in one response passes the connector's 4 MiB
                  spill threshold

The Thrift client is generated at run time with `thrift --gen py` from
tests/integration/hms/metastore.thrift. Run it with Debian's python3, which
has python3-thrift.

Usage: hms_tables.py --port PORT --gen-dir DIR [--database NAME] [--hours N]
"""

import argparse
import datetime
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IDL = os.path.join(ROOT, "tests", "integration", "hms", "metastore.thrift")
DATASET = "s3://athena-test/lambda/dataset"

TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
LAZY_SERDE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
CSV_SERDE = "org.apache.hadoop.hive.serde2.OpenCSVSerde"
PARQUET_INPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUTPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
CREATED = 1700000000


def load_client_module(gen_dir):
    os.makedirs(gen_dir, exist_ok=True)
    subprocess.run(["thrift", "--gen", "py", "-out", gen_dir, IDL], check=True, timeout=60)
    sys.path.insert(0, gen_dir)
    from owlery_hms import ThriftHiveMetastore, ttypes
    return ThriftHiveMetastore, ttypes


def connect(service, port):
    from thrift.protocol import TBinaryProtocol
    from thrift.transport import TSocket, TTransport
    sock = TSocket.TSocket("127.0.0.1", port)
    sock.setTimeout(60000)
    transport = TTransport.TBufferedTransport(sock)
    transport.open()
    return service.Client(TBinaryProtocol.TBinaryProtocol(transport)), transport


def storage(ttypes, columns, location, input_format, output_format, serde, serde_parameters):
    return ttypes.StorageDescriptor(
        cols=[ttypes.FieldSchema(name, type_, None) for name, type_ in columns],
        location=location, inputFormat=input_format, outputFormat=output_format,
        compressed=False, numBuckets=-1,
        serdeInfo=ttypes.SerDeInfo(None, serde, serde_parameters),
        bucketCols=[], sortCols=[], parameters={})


def external_table(ttypes, database, name, sd, partition_keys=(), comment=""):
    parameters = {"EXTERNAL": "TRUE"}
    if comment:
        parameters["comment"] = comment
    return ttypes.Table(
        tableName=name, dbName=database, owner="hadoop", createTime=CREATED, lastAccessTime=0,
        retention=0, sd=sd,
        partitionKeys=[ttypes.FieldSchema(key, type_, None) for key, type_ in partition_keys],
        parameters=parameters, tableType="EXTERNAL_TABLE")


def demo_tables(ttypes, database):
    airports = storage(
        ttypes, [("iata", "string"), ("name", "string"), ("city", "string"), ("state", "string"),
                 ("country", "string"), ("latitude", "double"), ("longitude", "double")],
        f"{DATASET}/airports", TEXT_INPUT, TEXT_OUTPUT, CSV_SERDE,
        {"separatorChar": ",", "quoteChar": "\"", "escapeChar": "\\"})
    weather = storage(
        ttypes, [("date", "date"), ("precipitation", "double"), ("temp_max", "double"),
                 ("temp_min", "double"), ("wind", "double"), ("weather", "string")],
        f"{DATASET}/weather", TEXT_INPUT, TEXT_OUTPUT, LAZY_SERDE,
        {"field.delim": ",", "serialization.format": ","})
    flight_columns = [("date", "timestamp"), ("delay", "bigint"), ("distance", "bigint"),
                      ("origin", "string"), ("destination", "string")]
    flights = storage(ttypes, flight_columns, f"{DATASET}/flights-raw",
                      PARQUET_INPUT, PARQUET_OUTPUT, PARQUET_SERDE, {})
    hourly = storage(ttypes, flight_columns, f"{DATASET}/flights_hourly",
                     PARQUET_INPUT, PARQUET_OUTPUT, PARQUET_SERDE, {})

    tables = [
        external_table(ttypes, database, "airports", airports, comment="US airports"),
        external_table(ttypes, database, "weather", weather, comment="Seattle daily weather"),
        external_table(ttypes, database, "flights_raw", flights,
                       comment="US domestic flights, January to June 2001, as published"),
        external_table(ttypes, database, "flights_hourly", hourly,
                       partition_keys=[("dt", "string"), ("hour", "string")],
                       comment="partitions only: one per hour of 2001"),
    ]
    # Both CSV files start with a header line.
    for table in tables[:2]:
        table.parameters["skip.header.line.count"] = "1"
    return tables


def hourly_partitions(ttypes, database, table, hours):
    start = datetime.datetime(2001, 1, 1)
    for offset in range(hours):
        moment = start + datetime.timedelta(hours=offset)
        values = [moment.strftime("%Y-%m-%d"), moment.strftime("%H")]
        sd = ttypes.StorageDescriptor(**vars(table.sd))
        sd.location = f"{table.sd.location}/dt={values[0]}/hour={values[1]}"
        yield ttypes.Partition(values=values, dbName=database, tableName=table.tableName,
                               createTime=CREATED, lastAccessTime=0, sd=sd, parameters={})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="port of the metastore on 127.0.0.1")
    parser.add_argument("--gen-dir", required=True,
                        help="folder for the Python code generated from metastore.thrift")
    parser.add_argument("--database", default="vega")
    parser.add_argument("--hours", type=int, default=365 * 24,
                        help="number of flights_hourly partitions (default: every hour of 2001)")
    args = parser.parse_args()

    service, ttypes = load_client_module(args.gen_dir)
    client, transport = connect(service, args.port)
    client.create_database(ttypes.Database(args.database, "vega-datasets 3.2.1 sample data",
                                           DATASET, {"owner": "producer"}))
    for table in demo_tables(ttypes, args.database):
        client.create_table(table)
        if table.partitionKeys:
            batch = []
            for partition in hourly_partitions(ttypes, args.database, table, args.hours):
                batch.append(partition)
                if len(batch) == 2000:
                    client.add_partitions(batch)
                    batch = []
            if batch:
                client.add_partitions(batch)
        partitions = args.hours if table.partitionKeys else 0
        print(f"{args.database}.{table.tableName}: {len(table.sd.cols)} columns, "
              f"{partitions} partitions, {table.sd.location}")
    transport.close()


if __name__ == "__main__":
    main()
