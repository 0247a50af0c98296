#include "common/buf.h"
#include "common/log.h"
#include "common/util.h"
#include "unit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void test_buf_printf_grows(void)
{
    owl_buf b = OWL_BUF_INIT;
    for (int i = 0; i < 1000; i++)
        owl_buf_printf(&b, "%d,", i);
    CHECK_INT(b.len, 3890);
    CHECK(strncmp(b.data, "0,1,2,", 6) == 0);
    CHECK_STR(b.data + b.len - 4, "999,");
    owl_buf_free(&b);
}

static void test_buf_xml_escape(void)
{
    owl_buf b = OWL_BUF_INIT;
    owl_buf_put_xml_escaped(&b, "a<b>&\"c'");
    CHECK_STR(b.data, "a&lt;b&gt;&amp;&quot;c&apos;");
    owl_buf_reset(&b);
    owl_buf_put_xml_escaped(&b, "Get\x01" "Caller\tx\r");
    CHECK_STR(b.data, "Get\xef\xbf\xbd" "Caller\tx&#13;");
    owl_buf_free(&b);
}

static void test_hex_round_trip(void)
{
    uint8_t in[4] = {0x00, 0xab, 0x7f, 0xff}, out[4];
    char hex[9];
    owl_hex_encode(in, 4, hex);
    CHECK_STR(hex, "00ab7fff");
    CHECK(owl_hex_decode("00AB7fff", out, 4));
    CHECK_MEM(out, 4, in, 4);
    CHECK(!owl_hex_decode("00ag", out, 2));
}

static void test_percent_decode(void)
{
    size_t len;
    char *s = owl_percent_decode("a%2Fb+c%00d", 11, true, &len);
    CHECK(s != NULL);
    CHECK_INT(len, 7);
    CHECK_MEM(s, len, "a/b c\0d", 7);
    free(s);

    CHECK(owl_percent_decode("abc%", 4, false, NULL) == NULL);
    CHECK(owl_percent_decode("abc%4", 5, false, NULL) == NULL);
    CHECK(owl_percent_decode("%zz", 3, false, NULL) == NULL);

    s = owl_percent_decode("a+b", 3, false, NULL);
    CHECK_STR(s, "a+b");
    free(s);
}

static void test_amz_time(void)
{
    time_t t;
    CHECK(owl_time_parse_amz("20261204T195001Z", &t));
    CHECK_INT(t, 1796413801);
    char out[17];
    owl_time_amz(t, out);
    CHECK_STR(out, "20261204T195001Z");
    CHECK(!owl_time_parse_amz("2026-12-04T19:50:01Z", &t));
    CHECK(!owl_time_parse_amz("20261304T195001Z", &t));
    CHECK(!owl_time_parse_amz("", &t));
    CHECK(!owl_time_parse_amz("20260231T000000Z", &t));
    CHECK(!owl_time_parse_amz("20250229T000000Z", &t));
    CHECK(owl_time_parse_amz("20240229T000000Z", &t));
}

static void test_utf8_validation(void)
{
    CHECK(owl_utf8_valid("h\xc3\xa9llo", 6));
    CHECK(owl_utf8_valid("\xf0\x9f\xa6\x89", 4));
    CHECK(!owl_utf8_valid("\xc3", 1));
    CHECK(!owl_utf8_valid("\xc0\xaf", 2));
    CHECK(!owl_utf8_valid("\xed\xa0\x80", 3));
    CHECK(!owl_utf8_valid("\xff", 1));
}

static void test_constant_time_equal(void)
{
    CHECK(owl_equal_constant_time("abc", 3, "abc", 3));
    CHECK(!owl_equal_constant_time("abc", 3, "abd", 3));
    CHECK(!owl_equal_constant_time("abc", 3, "abcd", 4));
}

static void test_log_quote(void)
{
    char out[64];
    CHECK_STR(owl_log_quote(out, sizeof out, "plain-value"), "plain-value");
    CHECK_STR(owl_log_quote(out, sizeof out, "two words"), "\"two words\"");
    CHECK_STR(owl_log_quote(out, sizeof out, "a\"b\n"), "\"a\\\"b\\x0a\"");
    CHECK_STR(owl_log_quote(out, sizeof out, ""), "\"\"");
    CHECK_STR(owl_log_quote(out, sizeof out, NULL), "-");
    char small[8];
    CHECK_STR(owl_log_quote(small, sizeof small, "abcdefghij"), "abcdefg");
}

/* Returns true when line is "YYYY-MM-DDTHH:MM:SS.mmmZ" followed by rest. */
static bool log_line_matches(const char *line, const char *rest)
{
    const char *shape = "dddd-dd-ddTdd:dd:dd.dddZ";
    for (size_t i = 0; shape[i]; i++) {
        bool digit = line[i] >= '0' && line[i] <= '9';
        if (shape[i] == 'd' ? !digit : line[i] != shape[i])
            return false;
    }
    return strcmp(line + strlen(shape), rest) == 0;
}

static void test_log_line_format(void)
{
    char path[] = "/tmp/owl-log-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    owl_log_info("event=first value=%d", 1);
    owl_log_warn("event=second name=%s", "x");
    owl_log_debug("event=hidden");
    dup2(saved, STDERR_FILENO);
    close(saved);

    char text[512] = "";
    ssize_t n = pread(fd, text, sizeof text - 1, 0);
    close(fd);
    unlink(path);
    text[n > 0 ? n : 0] = '\0';
    char *second = strchr(text, '\n');
    CHECK(second != NULL);
    if (!second)
        return;
    *second++ = '\0';
    CHECK(log_line_matches(text, " level=info event=first value=1"));
    CHECK(log_line_matches(second, " level=warn event=second name=x\n"));
}

static void test_uuid_format(void)
{
    char a[37], b[37];
    owl_uuid(a);
    owl_uuid(b);
    CHECK_INT(strlen(a), 36);
    CHECK(a[14] == '4');
    CHECK(a[8] == '-' && a[13] == '-' && a[18] == '-' && a[23] == '-');
    CHECK(strcmp(a, b) != 0);
}

int main(void)
{
    UNIT_RUN(test_buf_printf_grows);
    UNIT_RUN(test_buf_xml_escape);
    UNIT_RUN(test_hex_round_trip);
    UNIT_RUN(test_percent_decode);
    UNIT_RUN(test_amz_time);
    UNIT_RUN(test_utf8_validation);
    UNIT_RUN(test_constant_time_equal);
    UNIT_RUN(test_log_quote);
    UNIT_RUN(test_log_line_format);
    UNIT_RUN(test_uuid_format);
    return UNIT_SUMMARY();
}
