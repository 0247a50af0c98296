/*
 * Unit tests of the S3 module's pure parts: bucket name and key rules,
 * virtual-hosted Host parsing, URL encoding, the XML body parsers, ACLs,
 * bucket policy validation and the listing walk.
 */
#include "s3/acl.h"
#include "s3/list.h"
#include "s3/name.h"
#include "s3/policy.h"
#include "s3/xml.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

static void bucket_names(void)
{
    char err[256];
    const char *valid[] = {"abc", "my-bucket.v2", "a1b", "123", "athena-test"};
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++)
        CHECK(s3_bucket_name_valid(valid[i], err, sizeof err));
    const char *invalid[] = {"ab", "Abc", "a_b", "-ab", "ab-", "a..b", "10.0.0.1", "xn--ab",
                             "ab-s3alias", "ab--ol-s3", "",
                             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
        CHECK(!s3_bucket_name_valid(invalid[i], err, sizeof err));
}

static void key_rules(void)
{
    CHECK_INT(s3_key_check("../../etc/passwd", 16), S3_KEY_OK);
    CHECK_INT(s3_key_check("a//b", 4), S3_KEY_OK);
    CHECK_INT(s3_key_check("", 0), S3_KEY_EMPTY);
    CHECK_INT(s3_key_check("a\0b", 3), S3_KEY_HAS_NUL);
    CHECK_INT(s3_key_check("\xff", 1), S3_KEY_INVALID_UTF8);
    char *long_key = malloc(1026);
    memset(long_key, 'k', 1025);
    long_key[1025] = '\0';
    CHECK_INT(s3_key_check(long_key, 1024), S3_KEY_OK);
    CHECK_INT(s3_key_check(long_key, 1025), S3_KEY_TOO_LONG);
    free(long_key);
}

static void host_bucket(void)
{
    char bucket[64];
    CHECK(s3_host_bucket("data.localhost:4566", bucket, sizeof bucket));
    CHECK_STR(bucket, "data");
    CHECK(s3_host_bucket("Data.S3.localhost", bucket, sizeof bucket));
    CHECK_STR(bucket, "data");
    CHECK(!s3_host_bucket("127.0.0.1:4566", bucket, sizeof bucket));
    CHECK(!s3_host_bucket("localhost:4566", bucket, sizeof bucket));
    CHECK(!s3_host_bucket("s3.localhost", bucket, sizeof bucket));
    CHECK(!s3_host_bucket(NULL, bucket, sizeof bucket));
}

static void url_encoding(void)
{
    owl_buf b = OWL_BUF_INIT;
    s3_url_encode(&b, "a b+c/d~e\x01\xc3\xa9");
    CHECK_STR(b.data, "a%20b%2Bc/d~e%01%C3%A9");
    owl_buf_reset(&b);
    s3_xml_text(&b, "<a&\x01>");
    CHECK_STR(b.data, "&lt;a&amp;&#x1;&gt;");
    owl_buf_free(&b);
}

static void xml_delete(void)
{
    const char *xml = "<?xml version=\"1.0\"?><Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                      "<Object><Key>a</Key></Object><Object><Key> b&amp;c </Key><VersionId>x</VersionId>"
                      "</Object><Quiet>true</Quiet></Delete>";
    s3_delete_request request;
    char err[256];
    CHECK(s3_xml_parse_delete(xml, strlen(xml), &request, err, sizeof err));
    CHECK_INT(request.count, 2);
    if (request.count == 2) {
        CHECK_STR(request.keys[0], "a");
        CHECK_STR(request.keys[1], " b&c ");
    }
    CHECK(request.quiet);
    s3_delete_request_free(&request);

    const char *bad[] = {"", "<Delete>", "<Delete></Delete>", "<Other><Object><Key>a</Key></Object></Other>",
                         "<Delete><Object/></Delete>",
                         "<!DOCTYPE x [<!ENTITY e \"e\">]><Delete><Object><Key>&e;</Key></Object></Delete>"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(!s3_xml_parse_delete(bad[i], strlen(bad[i]), &request, err, sizeof err));
}

static void xml_complete(void)
{
    const char *xml = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"abc\"</ETag></Part>"
                      "<Part><ETag>def</ETag><PartNumber> 2 </PartNumber></Part></CompleteMultipartUpload>";
    s3_complete_request request;
    char err[256];
    CHECK(s3_xml_parse_complete(xml, strlen(xml), &request, err, sizeof err));
    CHECK_INT(request.count, 2);
    if (request.count == 2) {
        CHECK_INT(request.parts[0].part_number, 1);
        CHECK_STR(request.parts[0].etag, "abc");
        CHECK_INT(request.parts[1].part_number, 2);
        CHECK_STR(request.parts[1].etag, "def");
    }
    s3_complete_request_free(&request);
    const char *bad[] = {"<CompleteMultipartUpload/>",
                         "<CompleteMultipartUpload><Part><PartNumber>0</PartNumber></Part></CompleteMultipartUpload>",
                         "<CompleteMultipartUpload><Part><PartNumber>10001</PartNumber></Part></CompleteMultipartUpload>",
                         "<CompleteMultipartUpload><Part><PartNumber>x</PartNumber></Part></CompleteMultipartUpload>"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(!s3_xml_parse_complete(bad[i], strlen(bad[i]), &request, err, sizeof err));
}

static void xml_create_bucket_and_ownership(void)
{
    char location[64], ownership[32], err[256];
    const char *xml = "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                      "<LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>";
    CHECK(s3_xml_parse_create_bucket(xml, strlen(xml), location, err, sizeof err));
    CHECK_STR(location, "eu-west-1");
    const char *own = "<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule>"
                      "</OwnershipControls>";
    CHECK(s3_xml_parse_ownership(own, strlen(own), ownership, err, sizeof err));
    CHECK_STR(ownership, "ObjectWriter");
    const char *two = "<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule>"
                      "<Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>";
    CHECK(!s3_xml_parse_ownership(two, strlen(two), ownership, err, sizeof err));
    const char *unknown = "<OwnershipControls><Rule><ObjectOwnership>Nobody</ObjectOwnership></Rule>"
                          "</OwnershipControls>";
    CHECK(!s3_xml_parse_ownership(unknown, strlen(unknown), ownership, err, sizeof err));
}

static void xml_acl(void)
{
    const char *xml =
        "<AccessControlPolicy xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Owner><ID>owner1</ID></Owner>"
        "<AccessControlList><Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
        "xsi:type=\"CanonicalUser\"><ID>user2</ID></Grantee><Permission>READ</Permission></Grant>"
        "<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"Group\">"
        "<URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>WRITE</Permission>"
        "</Grant></AccessControlList></AccessControlPolicy>";
    s3_acl acl;
    char err[256];
    CHECK(s3_xml_parse_acl(xml, strlen(xml), &acl, err, sizeof err));
    CHECK_STR(acl.owner_id, "owner1");
    CHECK_INT(acl.count, 2);
    CHECK(s3_acl_allows(&acl, "user2", S3_PERM_READ));
    CHECK(!s3_acl_allows(&acl, "user2", S3_PERM_READ_ACP));
    CHECK(s3_acl_allows(&acl, NULL, S3_PERM_WRITE));
    const char *no_type = "<AccessControlPolicy><AccessControlList><Grant><Grantee><ID>x</ID></Grantee>"
                          "<Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>";
    CHECK(!s3_xml_parse_acl(no_type, strlen(no_type), &acl, err, sizeof err));
}

static void canned_acls(void)
{
    s3_acl acl;
    CHECK(s3_acl_canned(&acl, "private", "o", "o"));
    CHECK(s3_acl_is_owner_full_control(&acl, "o"));
    CHECK(!s3_acl_allows(&acl, NULL, S3_PERM_READ));
    CHECK(s3_acl_canned(&acl, "public-read", "o", "o"));
    CHECK(s3_acl_allows(&acl, NULL, S3_PERM_READ));
    CHECK(!s3_acl_allows(&acl, NULL, S3_PERM_WRITE));
    CHECK(s3_acl_canned(&acl, "authenticated-read", "o", "o"));
    CHECK(!s3_acl_allows(&acl, NULL, S3_PERM_READ));
    CHECK(s3_acl_allows(&acl, "anyone", S3_PERM_READ));
    CHECK(s3_acl_canned(&acl, "bucket-owner-full-control", "writer", "owner"));
    CHECK(s3_acl_allows(&acl, "owner", S3_PERM_WRITE_ACP));
    CHECK(!s3_acl_is_owner_full_control(&acl, "owner"));
    CHECK(!s3_acl_canned(&acl, "everyone", "o", "o"));

    owl_buf json = OWL_BUF_INIT;
    CHECK(s3_acl_canned(&acl, "public-read-write", "o", "o"));
    s3_acl_to_json(&acl, &json);
    s3_acl copy;
    CHECK(s3_acl_from_json(&copy, json.data));
    CHECK_INT(copy.count, 3);
    CHECK(s3_acl_allows(&copy, NULL, S3_PERM_WRITE));
    owl_buf_free(&json);
}

static void grant_headers(void)
{
    http_request req;
    memset(&req, 0, sizeof req);
    char name[] = "x-amz-grant-read", value[] = "id=\"abc\", uri=\"http://acs.amazonaws.com/groups/global/AllUsers\"";
    req.headers[0].name = name;
    req.headers[0].value = value;
    req.header_count = 1;
    s3_acl acl;
    memset(&acl, 0, sizeof acl);
    bool found;
    char err[256];
    CHECK(s3_acl_from_grant_headers(&acl, &req, &found, err, sizeof err));
    CHECK(found);
    CHECK_INT(acl.count, 2);
    CHECK_STR(acl.grants[0].grantee, "abc");
    CHECK_INT(acl.grants[1].type, S3_GRANTEE_GROUP);
    char bad[] = "nobody";
    req.headers[0].value = bad;
    memset(&acl, 0, sizeof acl);
    CHECK(!s3_acl_from_grant_headers(&acl, &req, &found, err, sizeof err));
}

static void policies(void)
{
    char err[256];
    const char *good = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Stmt1234567890123\","
                       "\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::444455556666:user/perf1-test\"},"
                       "\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b1/*\"}]}";
    CHECK(s3_policy_validate(good, strlen(good), "b1", err, sizeof err));
    CHECK(!s3_policy_validate(good, strlen(good), "b2", err, sizeof err));
    CHECK_STR(err, "Policy has invalid resource");
    const char *canonical = "{\"Statement\":{\"Effect\":\"Deny\",\"Principal\":{\"CanonicalUser\":"
                            "\"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be\"},"
                            "\"Action\":[\"s3:*\"],\"Resource\":\"arn:aws:s3:::b*\"}}";
    CHECK(s3_policy_validate(canonical, strlen(canonical), "b1", err, sizeof err));
    const char *bad_principal = "{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"12345\"},"
                                "\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}}";
    CHECK(!s3_policy_validate(bad_principal, strlen(bad_principal), "b1", err, sizeof err));
    CHECK_STR(err, "Invalid principal in policy");
    CHECK(!s3_policy_validate("[]", 2, "b1", err, sizeof err));
    CHECK_STR(err, "Policies must be valid JSON and the first byte must be '{'");
}

/* A sorted key array behind the listing walk's seek callback. */
typedef struct key_array {
    const char *const *keys;
    size_t count;
} key_array;

static bool array_seek(void *arg, const char *from, bool exclusive, s3_list_entry *entry)
{
    const key_array *array = arg;
    for (size_t i = 0; i < array->count; i++) {
        int cmp = strcmp(array->keys[i], from);
        if (cmp > 0 || (cmp == 0 && !exclusive)) {
            entry->key = strdup(array->keys[i]);
            return true;
        }
    }
    return false;
}

static const char *const listing_keys[] = {"a", "b/1", "b/2", "b/c/3", "c", "d/1", "e"};
static key_array listing = {listing_keys, sizeof listing_keys / sizeof listing_keys[0]};

static void listing_flat_pages(void)
{
    s3_list_params params = {"", "", "", 3};
    s3_list_result result;
    s3_list_run(&params, array_seek, &listing, &result);
    CHECK_INT(result.count, 3);
    CHECK(result.is_truncated);
    CHECK_STR(result.last, "b/2");
    char *token = s3_list_token_encode(result.last);
    char *after = s3_list_token_decode(token);
    CHECK_STR(after, "b/2");
    s3_list_result_free(&result);
    params.after = after;
    params.max_keys = 10;
    s3_list_run(&params, array_seek, &listing, &result);
    CHECK_INT(result.count, 4);
    CHECK(!result.is_truncated);
    if (result.count == 4)
        CHECK_STR(result.entries[0].key, "b/c/3");
    s3_list_result_free(&result);
    free(after);
    free(token);
    CHECK(s3_list_token_decode("zz") == NULL);
    CHECK(s3_list_token_decode("abc") == NULL);
    CHECK(s3_list_token_decode("00") == NULL);
}

static void listing_delimiter(void)
{
    s3_list_params params = {"", "/", "", 1000};
    s3_list_result result;
    s3_list_run(&params, array_seek, &listing, &result);
    CHECK_INT(result.count, 3); /* a, c, e */
    CHECK_INT(result.prefix_count, 2);
    if (result.prefix_count == 2) {
        CHECK_STR(result.common_prefixes[0], "b/");
        CHECK_STR(result.common_prefixes[1], "d/");
    }
    s3_list_result_free(&result);

    /* A page that ends on a common prefix resumes after every key under it. */
    params.max_keys = 2;
    s3_list_run(&params, array_seek, &listing, &result);
    CHECK_STR(result.last, "b/");
    CHECK(result.is_truncated);
    char *last = strdup(result.last);
    s3_list_result_free(&result);
    params.after = last;
    s3_list_run(&params, array_seek, &listing, &result);
    CHECK_INT(result.count, 1);
    if (result.count == 1)
        CHECK_STR(result.entries[0].key, "c");
    CHECK_INT(result.prefix_count, 1);
    s3_list_result_free(&result);
    free(last);
}

static void listing_prefix(void)
{
    s3_list_params params = {"b/", "/", "", 1000};
    s3_list_result result;
    s3_list_run(&params, array_seek, &listing, &result);
    CHECK_INT(result.count, 2);
    CHECK_INT(result.prefix_count, 1);
    if (result.prefix_count == 1)
        CHECK_STR(result.common_prefixes[0], "b/c/");
    s3_list_result_free(&result);

    params = (s3_list_params){"b/", "", "b/1", 1000};
    s3_list_run(&params, array_seek, &listing, &result);
    CHECK_INT(result.count, 2);
    s3_list_result_free(&result);

    params = (s3_list_params){"", "", "", 0};
    s3_list_run(&params, array_seek, &listing, &result);
    CHECK_INT(result.count, 0);
    CHECK(!result.is_truncated);
    s3_list_result_free(&result);

    params = (s3_list_params){"zzz", "", "", 10};
    s3_list_run(&params, array_seek, &listing, &result);
    CHECK_INT(result.count, 0);
    s3_list_result_free(&result);
}

int main(void)
{
    UNIT_RUN(bucket_names);
    UNIT_RUN(key_rules);
    UNIT_RUN(host_bucket);
    UNIT_RUN(url_encoding);
    UNIT_RUN(xml_delete);
    UNIT_RUN(xml_complete);
    UNIT_RUN(xml_create_bucket_and_ownership);
    UNIT_RUN(xml_acl);
    UNIT_RUN(canned_acls);
    UNIT_RUN(grant_headers);
    UNIT_RUN(policies);
    UNIT_RUN(listing_flat_pages);
    UNIT_RUN(listing_delimiter);
    UNIT_RUN(listing_prefix);
    return UNIT_SUMMARY();
}
