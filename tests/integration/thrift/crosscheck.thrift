// Structs for tests/integration/test_thrift_crosscheck.py, which generates
// Python from this file at test time and compares python3-thrift's encodings
// with owlery's generic Thrift codec (src/thrift).

namespace py crosscheck

struct Inner {
  1: i32 id,
  2: string label,
}

// Every Thrift type, plus nested and empty containers.
struct AllTypes {
  1: bool flag,
  2: i8 tiny,
  3: i16 small,
  4: i32 medium,
  5: i64 large,
  6: double ratio,
  7: string text,
  8: binary blob,
  9: Inner inner,
  10: list<Inner> inners,
  11: map<string, string> params,
  12: set<i32> ids,
  13: list<double> doubles,
  14: map<i32, list<bool>> nested,
  15: list<string> empty_list,
  16: map<string, i64> empty_map,
  17: map<double, i8> double_keys,
  300: i16 far_field,
}

// Shaped like the Hive metastore's Table and the structs it contains
// (field ids as in Hive's hive_metastore.thrift, a subset of the fields).
struct FieldSchema {
  1: string name,
  2: string type,
  3: string comment,
}

struct SerDeInfo {
  1: string name,
  2: string serializationLib,
  3: map<string, string> parameters,
}

struct StorageDescriptor {
  1: list<FieldSchema> cols,
  2: string location,
  3: string inputFormat,
  4: string outputFormat,
  5: bool compressed,
  6: i32 numBuckets,
  7: SerDeInfo serdeInfo,
  8: list<string> bucketCols,
  10: map<string, string> parameters,
}

struct Table {
  1: string tableName,
  2: string dbName,
  3: string owner,
  4: i32 createTime,
  5: i32 lastAccessTime,
  6: i32 retention,
  7: StorageDescriptor sd,
  8: list<FieldSchema> partitionKeys,
  9: map<string, string> parameters,
  12: string tableType,
}

service Crosscheck {
  Table get_table(1: string db_name, 2: string tbl_name),
}
