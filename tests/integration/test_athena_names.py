"""Black-box tests of name handling in Athena queries: a data catalog created
with capital letters is found however a query spells it, as Athena matches
catalog, database and table names without regard to case, and result
columns carry Trino's names. The setup is test_athena_query's: a HIVE
catalog over the connector test double and CSV data in S3."""

import pytest

from test_athena import create_hive_catalog, hive
from test_athena_query import ITEMS_CSV, producer, rows_of, run

__all__ = ["hive", "producer"]  # fixtures used through the catalog fixture below

CATALOG = "MyHive"
ITEM_COUNT = len(ITEMS_CSV.splitlines())


@pytest.fixture
def catalog(producer):
    """Creates the catalog MyHive next to test_athena_query's ehms, over the same tables."""
    create_hive_catalog(producer, name=CATALOG)
    return producer


@pytest.mark.parametrize("table", [
    "MyHive.sales.items",
    "myhive.sales.items",
    '"MyHive".sales.items',
    '"myhive"."SALES"."Items"',
    "MYHIVE.Sales.ITEMS",
])
def test_catalog_name_any_case(catalog, table):
    execution = run(catalog, f"SELECT count(*) AS n FROM {table}")
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    rows, _ = rows_of(catalog, execution["QueryExecutionId"])
    assert rows == [["n"], [str(ITEM_COUNT)]]


def test_catalog_name_any_case_in_context(catalog):
    execution = run(catalog, "SELECT count(*) AS n FROM items",
                    QueryExecutionContext={"Catalog": "myhive", "Database": "Sales"})
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    rows, _ = rows_of(catalog, execution["QueryExecutionId"])
    assert rows == [["n"], [str(ITEM_COUNT)]]


def test_catalog_name_case_kept_by_get(catalog):
    stored = catalog.get_data_catalog(Name="myhive")["DataCatalog"]
    assert stored["Name"] == CATALOG
    names = [c["CatalogName"] for c in catalog.list_data_catalogs()["DataCatalogsSummary"]]
    assert CATALOG in names


def test_missing_catalog_fails(catalog):
    execution = run(catalog, "SELECT count(*) FROM otherhive.sales.items")
    assert execution["Status"]["State"] == "FAILED"


def test_result_columns_named_as_trino(catalog):
    execution = run(catalog, "SELECT id, upper(note), count(*), max(amount) AS Top "
                              "FROM myhive.sales.items GROUP BY id, note ORDER BY id LIMIT 1")
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    rows, result = rows_of(catalog, execution["QueryExecutionId"])
    assert rows == [["id", "_col1", "_col2", "top"], ["1", "RED", "1", "1.5"]]
    names = [c["Name"] for c in result["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]]
    assert names == ["id", "_col1", "_col2", "top"]


def test_integer_division_truncates(catalog):
    execution = run(catalog, f"SELECT 7 / 2, sum(id) / count(*) FROM {CATALOG}.sales.items")
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    rows, _ = rows_of(catalog, execution["QueryExecutionId"])
    assert rows == [["_col0", "_col1"], ["3", str(sum(range(1, ITEM_COUNT + 1)) // ITEM_COUNT)]]
