/*
 * Trino's date_parse() and date_format(): timestamps read and written with
 * MySQL-style format strings ("%Y-%m-%d %H:%i:%s"), as Trino defines
 * them on top of Joda-Time. Trino maps each specifier to a Joda field:
 *
 *   %a %W  weekday name, short or full     %b %M  month name, short or full
 *   %c %m  month, unpadded or 2 digits     %d %e  day of month, 2 digits or unpadded
 *   %f     fraction of second (parses 1-9 digits, prints 6)
 *   %H %k  hour 0-23, 2 digits or unpadded %h %I %l  hour 1-12 (%l unpadded)
 *   %i     minutes                         %S %s  seconds
 *   %j     day of year, 3 digits           %p     AM or PM
 *   %r     %h:%i:%s %p                     %T     %H:%i:%s
 *   %v %x  ISO week and week-based year    %Y %y  year, 4 or 2 digits (2 digits: 1970-2069)
 *   %%     a percent sign                  %<other>  that character
 *
 * %D %U %u %V %w %X fail with "%D not supported in date format string", as
 * in Trino. Parsing must consume the whole input; fields that the format
 * does not set default to 1970-01-01 00:00:00. Parse errors copy Joda's
 * wording ("Invalid format: \"x\" is malformed at \"x\""), which is what
 * Trino returns. Every value is UTC: the engine's session time zone.
 *
 * format_datetime() prints with a Joda-Time pattern instead (yyyy-MM-dd
 * HH:mm:ss.SSS, EEE, MMM, 'literal', ...); a letter Joda does not define
 * fails with "Illegal pattern component: q".
 *
 * The input and format strings come from SQL text and from table data, so
 * the parsers are fuzzed (fuzz/fuzz_engine_trino_datetime.c).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/internal.h"

#define MICROS_PER_SECOND INT64_C(1000000)
#define MICROS_PER_DAY (INT64_C(86400) * MICROS_PER_SECOND)

static const char *const month_names[12] = {"January", "February", "March",     "April",
                                            "May",     "June",     "July",      "August",
                                            "September", "October", "November", "December"};
/* Monday first, as ISO 8601 numbers weekdays 1 to 7. */
static const char *const weekday_names[7] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                             "Friday", "Saturday", "Sunday"};

/* ---------------------------------------------------------------- calendar */

/* Days since 1970-01-01 of a proleptic Gregorian date, counted in 400-year eras. */
static int64_t days_from_civil(int64_t year, int month, int day) {
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    int64_t year_of_era = year - era * 400;
    int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

static void civil_from_days(int64_t days, int64_t *year, int *month, int *day) {
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t day_of_era = days - era * 146097;
    int64_t year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t mp = (5 * day_of_year + 2) / 153;
    *day = (int)(day_of_year - (153 * mp + 2) / 5 + 1);
    *month = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = year_of_era + era * 400 + (*month <= 2);
}

static bool is_leap(int64_t year) {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int64_t year, int month) {
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap(year) ? 29 : days[month - 1];
}

/* ISO weekday of a day number: 1 = Monday ... 7 = Sunday. */
static int iso_weekday(int64_t days) {
    int64_t w = (days + 3) % 7; /* 1970-01-01 was a Thursday */
    if (w < 0)
        w += 7;
    return (int)w + 1;
}

/* Day number of the Monday that starts ISO week 1 of week_year. */
static int64_t iso_week_one(int64_t week_year) {
    int64_t jan4 = days_from_civil(week_year, 1, 4);
    return jan4 - (iso_weekday(jan4) - 1);
}

static void iso_week(int64_t days, int64_t *week_year, int *week) {
    int64_t year;
    int month, day;
    civil_from_days(days, &year, &month, &day);
    *week_year = year + 1;
    if (days < iso_week_one(*week_year))
        *week_year = year;
    if (days < iso_week_one(*week_year))
        *week_year = year - 1;
    *week = (int)((days - iso_week_one(*week_year)) / 7) + 1;
}

/* The broken-down fields of a UTC timestamp. */
typedef struct civil_time {
    int64_t days, year;
    int month, day, hour, minute, second, weekday;
    int64_t fraction; /* microseconds */
} civil_time;

static civil_time civil_time_from(int64_t micros) {
    civil_time t = {0};
    t.days = micros / MICROS_PER_DAY;
    int64_t of_day = micros % MICROS_PER_DAY;
    if (of_day < 0) {
        of_day += MICROS_PER_DAY;
        t.days--;
    }
    civil_from_days(t.days, &t.year, &t.month, &t.day);
    t.hour = (int)(of_day / (3600 * MICROS_PER_SECOND));
    t.minute = (int)(of_day / (60 * MICROS_PER_SECOND) % 60);
    t.second = (int)(of_day / MICROS_PER_SECOND % 60);
    t.fraction = of_day % MICROS_PER_SECOND;
    t.weekday = iso_weekday(t.days);
    return t;
}

/* ---------------------------------------------------------------- specifiers */

static bool specifier_unsupported(char c) {
    return c == 'D' || c == 'U' || c == 'u' || c == 'V' || c == 'w' || c == 'X';
}

static bool unsupported_error(char c, char **err) {
    engine_set_err(err, "%%%c not supported in date format string", c);
    return false;
}

/* ---------------------------------------------------------------- parsing */

typedef struct parse_state {
    const char *text;
    size_t len;
    size_t pos;
    /* Parsed values: -1 (year: year_set false, micros: 0) when the format did not set the field. */
    int64_t year;
    bool year_set;
    int month, day, day_of_year, hour, clock_hour, minute, second, weekday, week;
    int64_t week_year;
    int pm;
    int64_t micros;
} parse_state;

static bool parse_malformed(const parse_state *p, char **err) {
    if (p->pos >= p->len)
        engine_set_err(err, "Invalid format: \"%.*s\" is too short", (int)p->len, p->text);
    else
        engine_set_err(err, "Invalid format: \"%.*s\" is malformed at \"%.*s\"", (int)p->len,
                       p->text, (int)(p->len - p->pos), p->text + p->pos);
    return false;
}

/* Reads min_digits to max_digits decimal digits. */
static bool parse_digits(parse_state *p, int min_digits, int max_digits, int64_t *value) {
    int64_t v = 0;
    int n = 0;
    while (n < max_digits && p->pos < p->len && isdigit((unsigned char)p->text[p->pos])) {
        v = v * 10 + (p->text[p->pos++] - '0');
        n++;
    }
    *value = v;
    return n >= min_digits && n > 0;
}

static bool parse_int(parse_state *p, int max_digits, int *out) {
    int64_t v;
    if (!parse_digits(p, 1, max_digits, &v))
        return false;
    *out = (int)v;
    return true;
}

/*
 * Matches one of names (full or three-letter form) without regard to case,
 * longest first, and returns its index or -1.
 */
static int parse_name(parse_state *p, const char *const *names, int count) {
    for (int full = 1; full >= 0; full--) {
        for (int i = 0; i < count; i++) {
            size_t n = full ? strlen(names[i]) : 3;
            if (p->len - p->pos >= n && strncasecmp(p->text + p->pos, names[i], n) == 0) {
                p->pos += n;
                return i;
            }
        }
    }
    return -1;
}

static bool parse_literal(parse_state *p, char c) {
    if (p->pos >= p->len || tolower((unsigned char)p->text[p->pos]) != tolower((unsigned char)c))
        return false;
    p->pos++;
    return true;
}

static bool parse_halfday(parse_state *p) {
    if (p->len - p->pos < 2)
        return false;
    const char *s = p->text + p->pos;
    if (strncasecmp(s, "AM", 2) != 0 && strncasecmp(s, "PM", 2) != 0)
        return false;
    p->pos += 2;
    p->pm = toupper((unsigned char)s[0]) == 'P';
    return true;
}

/* Parses the fraction of a second from 1 to 9 digits into microseconds. */
static bool parse_fraction(parse_state *p) {
    int64_t value = 0;
    int digits = 0;
    while (digits < 9 && p->pos < p->len && isdigit((unsigned char)p->text[p->pos])) {
        value = value * 10 + (p->text[p->pos++] - '0');
        digits++;
    }
    if (digits == 0)
        return false;
    for (; digits < 6; digits++)
        value *= 10;
    for (; digits > 6; digits--)
        value /= 10;
    p->micros = value;
    return true;
}

static bool parse_specifier(parse_state *p, char c) {
    int64_t v;
    int i;
    switch (c) {
    case 'a':
    case 'W':
        i = parse_name(p, weekday_names, 7);
        p->weekday = i + 1;
        return i >= 0;
    case 'b':
    case 'M':
        i = parse_name(p, month_names, 12);
        p->month = i + 1;
        return i >= 0;
    case 'c':
    case 'm': return parse_int(p, 2, &p->month);
    case 'd':
    case 'e': return parse_int(p, 2, &p->day);
    case 'f': return parse_fraction(p);
    case 'H':
    case 'k': return parse_int(p, 2, &p->hour);
    case 'h':
    case 'I':
    case 'l': return parse_int(p, 2, &p->clock_hour);
    case 'i': return parse_int(p, 2, &p->minute);
    case 'j': return parse_int(p, 3, &p->day_of_year);
    case 'p': return parse_halfday(p);
    case 'r':
        return parse_int(p, 2, &p->clock_hour) && parse_literal(p, ':') &&
               parse_int(p, 2, &p->minute) && parse_literal(p, ':') &&
               parse_int(p, 2, &p->second) && parse_literal(p, ' ') && parse_halfday(p);
    case 'S':
    case 's': return parse_int(p, 2, &p->second);
    case 'T':
        return parse_int(p, 2, &p->hour) && parse_literal(p, ':') && parse_int(p, 2, &p->minute) &&
               parse_literal(p, ':') && parse_int(p, 2, &p->second);
    case 'v': return parse_int(p, 2, &p->week);
    case 'x':
        if (!parse_digits(p, 1, 4, &v))
            return false;
        p->week_year = v;
        return true;
    case 'Y': {
        bool negative = p->pos < p->len && p->text[p->pos] == '-';
        if (negative || (p->pos < p->len && p->text[p->pos] == '+'))
            p->pos++;
        if (!parse_digits(p, 1, 4, &v))
            return false;
        p->year = negative ? -v : v;
        p->year_set = true;
        return true;
    }
    case 'y':
        /* Two digits exactly, pivoting around 2020 as Trino does: 1970-2069. */
        if (!parse_digits(p, 2, 2, &v))
            return false;
        p->year = v < 70 ? 2000 + v : 1900 + v;
        p->year_set = true;
        return true;
    default: return parse_literal(p, c);
    }
}

static bool parse_range(const parse_state *p, const char *field, int64_t value, int64_t low,
                        int64_t high, char **err) {
    if (value >= low && value <= high)
        return true;
    engine_set_err(err, "Cannot parse \"%.*s\": Value %lld for %s must be in the range [%lld,%lld]",
                   (int)p->len, p->text, (long long)value, field, (long long)low, (long long)high);
    return false;
}

/* Combines the parsed fields into microseconds since the epoch. */
static bool parse_resolve(const parse_state *p, int64_t *micros, char **err) {
    int64_t year = p->year_set ? p->year : 1970;
    int64_t days;
    /* NOTE: outside a week date (%x %v), a parsed weekday name is ignored.
     * Whether Trino's Joda-Time parser applies it instead is unverified. */
    if (p->week >= 0 || p->week_year >= 0) {
        /* NOTE: a week date ignores %Y, %m and %d if they are also given. */
        int64_t week_year = p->week_year >= 0 ? p->week_year : year;
        int week = p->week >= 0 ? p->week : 1;
        if (!parse_range(p, "weekOfWeekyear", week, 1, 53, err))
            return false;
        days = iso_week_one(week_year) + (int64_t)(week - 1) * 7 +
               (p->weekday > 0 ? p->weekday - 1 : 0);
    } else if (p->day_of_year >= 0) {
        if (!parse_range(p, "dayOfYear", p->day_of_year, 1, is_leap(year) ? 366 : 365, err))
            return false;
        days = days_from_civil(year, 1, 1) + p->day_of_year - 1;
    } else {
        int month = p->month >= 0 ? p->month : 1;
        int day = p->day >= 0 ? p->day : 1;
        if (!parse_range(p, "monthOfYear", month, 1, 12, err) ||
            !parse_range(p, "dayOfMonth", day, 1, days_in_month(year, month), err))
            return false;
        days = days_from_civil(year, month, day);
    }
    int hour = 0;
    if (p->hour >= 0) {
        if (!parse_range(p, "hourOfDay", p->hour, 0, 23, err))
            return false;
        hour = p->hour;
    } else if (p->clock_hour >= 0) {
        if (!parse_range(p, "clockhourOfHalfday", p->clock_hour, 1, 12, err))
            return false;
        hour = p->clock_hour % 12 + (p->pm == 1 ? 12 : 0);
    } else if (p->pm == 1) {
        hour = 12;
    }
    int minute = p->minute >= 0 ? p->minute : 0;
    int second = p->second >= 0 ? p->second : 0;
    if (!parse_range(p, "minuteOfHour", minute, 0, 59, err) ||
        !parse_range(p, "secondOfMinute", second, 0, 59, err))
        return false;
    /* Trino's date_parse returns timestamp(3): the fraction keeps milliseconds. */
    int64_t fraction = p->micros - p->micros % 1000;
    int64_t seconds = (int64_t)hour * 3600 + minute * 60 + second;
    *micros = days * MICROS_PER_DAY + seconds * MICROS_PER_SECOND + fraction;
    return true;
}

bool engine_trino_date_parse(const char *text, size_t len, const char *format, size_t format_len,
                             int64_t *micros, char **err) {
    parse_state p = {.text = text, .len = len, .month = -1, .day = -1,
                     .day_of_year = -1, .hour = -1, .clock_hour = -1, .minute = -1,
                     .second = -1, .weekday = -1, .week = -1, .week_year = -1, .pm = -1};
    for (size_t i = 0; i < format_len; i++) {
        char c = format[i];
        bool ok;
        if (c != '%') {
            ok = parse_literal(&p, c);
        } else if (++i == format_len) {
            break; /* Trino ignores a trailing lone % */
        } else {
            c = format[i];
            if (specifier_unsupported(c))
                return unsupported_error(c, err);
            ok = c == '%' ? parse_literal(&p, '%') : parse_specifier(&p, c);
        }
        if (!ok)
            return parse_malformed(&p, err);
    }
    if (p.pos < p.len)
        return parse_malformed(&p, err);
    return parse_resolve(&p, micros, err);
}

/* ---------------------------------------------------------------- formatting */

static void put_padded(owl_buf *out, int64_t value, int width) {
    if (value < 0) {
        owl_buf_putc(out, '-');
        value = -value;
    }
    owl_buf_printf(out, "%0*lld", width, (long long)value);
}

bool engine_trino_date_format(int64_t micros, const char *format, size_t format_len, owl_buf *out,
                              char **err) {
    civil_time t = civil_time_from(micros);
    int64_t year = t.year, days = t.days, fraction = t.fraction;
    int month = t.month, day = t.day, hour = t.hour, minute = t.minute, second = t.second;
    int clock_hour = hour % 12 == 0 ? 12 : hour % 12;
    int weekday = t.weekday;
    int64_t week_year;
    int week;

    for (size_t i = 0; i < format_len; i++) {
        char c = format[i];
        if (c != '%') {
            owl_buf_putc(out, c);
            continue;
        }
        if (++i == format_len)
            break;
        c = format[i];
        if (specifier_unsupported(c))
            return unsupported_error(c, err);
        switch (c) {
        case 'a': owl_buf_append(out, weekday_names[weekday - 1], 3); break;
        case 'W': owl_buf_puts(out, weekday_names[weekday - 1]); break;
        case 'b': owl_buf_append(out, month_names[month - 1], 3); break;
        case 'M': owl_buf_puts(out, month_names[month - 1]); break;
        case 'c': put_padded(out, month, 1); break;
        case 'm': put_padded(out, month, 2); break;
        case 'd': put_padded(out, day, 2); break;
        case 'e': put_padded(out, day, 1); break;
        case 'f': put_padded(out, fraction, 6); break;
        case 'H': put_padded(out, hour, 2); break;
        case 'k': put_padded(out, hour, 1); break;
        case 'h':
        case 'I': put_padded(out, clock_hour, 2); break;
        case 'l': put_padded(out, clock_hour, 1); break;
        case 'i': put_padded(out, minute, 2); break;
        case 'j': put_padded(out, days - days_from_civil(year, 1, 1) + 1, 3); break;
        case 'p': owl_buf_puts(out, hour < 12 ? "AM" : "PM"); break;
        case 'r':
            owl_buf_printf(out, "%02d:%02d:%02d %s", clock_hour, minute, second,
                           hour < 12 ? "AM" : "PM");
            break;
        case 'S':
        case 's': put_padded(out, second, 2); break;
        case 'T': owl_buf_printf(out, "%02d:%02d:%02d", hour, minute, second); break;
        case 'v':
            iso_week(days, &week_year, &week);
            put_padded(out, week, 2);
            break;
        case 'x':
            iso_week(days, &week_year, &week);
            put_padded(out, week_year, 4);
            break;
        case 'Y': put_padded(out, year, 4); break;
        case 'y': put_padded(out, (year % 100 + 100) % 100, 2); break;
        default: owl_buf_putc(out, c); break; /* %% and %<other> print the character */
        }
    }
    return true;
}

/* ---------------------------------------------------------------- Joda patterns */

/* Appends the fraction of a second with count digits, cut or padded with zeros. */
static void put_fraction(owl_buf *out, int64_t micros, size_t count) {
    char digits[7];
    snprintf(digits, sizeof digits, "%06lld", (long long)micros);
    for (size_t i = 0; i < count; i++)
        owl_buf_putc(out, i < 6 ? digits[i] : '0');
}

/* Appends one run of count copies of the pattern letter c. */
static bool joda_field(owl_buf *out, const civil_time *t, char c, size_t count, char **err) {
    int width = count > 9 ? 9 : (int)count;
    int64_t week_year;
    int week;
    switch (c) {
    case 'G': owl_buf_puts(out, t->year > 0 ? "AD" : "BC"); break;
    case 'C': put_padded(out, t->year / 100, width); break;
    case 'Y':
    case 'y':
        if (count == 2)
            put_padded(out, (t->year % 100 + 100) % 100, 2);
        else
            put_padded(out, c == 'Y' && t->year <= 0 ? 1 - t->year : t->year, width);
        break;
    case 'x':
    case 'w':
        iso_week(t->days, &week_year, &week);
        if (c == 'w')
            put_padded(out, week, width);
        else if (count == 2)
            put_padded(out, (week_year % 100 + 100) % 100, 2);
        else
            put_padded(out, week_year, width);
        break;
    case 'e': put_padded(out, t->weekday, width); break;
    case 'E':
        owl_buf_append(out, weekday_names[t->weekday - 1],
                       count >= 4 ? strlen(weekday_names[t->weekday - 1]) : 3);
        break;
    case 'D': put_padded(out, t->days - days_from_civil(t->year, 1, 1) + 1, width); break;
    case 'M':
        if (count >= 3)
            owl_buf_append(out, month_names[t->month - 1],
                           count >= 4 ? strlen(month_names[t->month - 1]) : 3);
        else
            put_padded(out, t->month, width);
        break;
    case 'd': put_padded(out, t->day, width); break;
    case 'a': owl_buf_puts(out, t->hour < 12 ? "AM" : "PM"); break;
    case 'K': put_padded(out, t->hour % 12, width); break;
    case 'h': put_padded(out, t->hour % 12 == 0 ? 12 : t->hour % 12, width); break;
    case 'H': put_padded(out, t->hour, width); break;
    case 'k': put_padded(out, t->hour == 0 ? 24 : t->hour, width); break;
    case 'm': put_padded(out, t->minute, width); break;
    case 's': put_padded(out, t->second, width); break;
    case 'S': put_fraction(out, t->fraction, count); break;
    /* Every value is UTC, the engine's session time zone. */
    case 'z': owl_buf_puts(out, "UTC"); break;
    case 'Z': owl_buf_puts(out, count == 1 ? "+0000" : count == 2 ? "+00:00" : "UTC"); break;
    default: {
        owl_buf letters = OWL_BUF_INIT;
        for (size_t k = 0; k < count && k < 64; k++)
            owl_buf_putc(&letters, c);
        engine_set_err(err, "Illegal pattern component: %s", letters.data);
        owl_buf_free(&letters);
        return false;
    }
    }
    return true;
}

bool engine_trino_format_datetime(int64_t micros, const char *format, size_t format_len,
                                  owl_buf *out, char **err) {
    civil_time t = civil_time_from(micros);
    size_t i = 0;
    while (i < format_len) {
        char c = format[i];
        if (c == '\'') {
            /* 'text' is literal, and '' is a quote inside or outside it. */
            if (i + 1 < format_len && format[i + 1] == '\'') {
                owl_buf_putc(out, '\'');
                i += 2;
                continue;
            }
            for (i++; i < format_len; i++) {
                if (format[i] == '\'') {
                    if (i + 1 < format_len && format[i + 1] == '\'') {
                        owl_buf_putc(out, '\'');
                        i++;
                        continue;
                    }
                    break;
                }
                owl_buf_putc(out, format[i]);
            }
            i++;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            size_t count = 1;
            while (i + count < format_len && format[i + count] == c)
                count++;
            if (!joda_field(out, &t, c, count, err))
                return false;
            i += count;
        } else {
            owl_buf_putc(out, c);
            i++;
        }
    }
    return true;
}

/* ---------------------------------------------------------------- DuckDB functions */

static const char *string_at(duckdb_vector vector, idx_t row, size_t *len) {
    duckdb_string_t *strings = duckdb_vector_get_data(vector);
    *len = duckdb_string_t_length(strings[row]);
    return duckdb_string_t_data(&strings[row]);
}

static bool row_valid(duckdb_vector vector, idx_t row) {
    uint64_t *validity = duckdb_vector_get_validity(vector);
    return !validity || duckdb_validity_row_is_valid(validity, row);
}

static void set_null(duckdb_vector output, idx_t row) {
    duckdb_vector_ensure_validity_writable(output);
    duckdb_validity_set_row_invalid(duckdb_vector_get_validity(output), row);
}

/* date_parse(varchar, varchar) -> timestamp */
static void trino_date_parse_function(duckdb_function_info info, duckdb_data_chunk input,
                                      duckdb_vector output) {
    duckdb_vector text = duckdb_data_chunk_get_vector(input, 0);
    duckdb_vector format = duckdb_data_chunk_get_vector(input, 1);
    int64_t *result = duckdb_vector_get_data(output);
    idx_t rows = duckdb_data_chunk_get_size(input);
    for (idx_t r = 0; r < rows; r++) {
        if (!row_valid(text, r) || !row_valid(format, r)) {
            set_null(output, r);
            continue;
        }
        size_t text_len, format_len;
        const char *t = string_at(text, r, &text_len);
        const char *f = string_at(format, r, &format_len);
        char *err = NULL;
        if (!engine_trino_date_parse(t, text_len, f, format_len, &result[r], &err)) {
            duckdb_scalar_function_set_error(info, err);
            free(err);
            return;
        }
    }
}

/* A formatting function, passed to DuckDB as a scalar function's extra info. */
typedef struct datetime_formatter {
    bool (*format)(int64_t micros, const char *format, size_t format_len, owl_buf *out,
                   char **err);
} datetime_formatter;

static const datetime_formatter mysql_formatter = {engine_trino_date_format};
static const datetime_formatter joda_formatter = {engine_trino_format_datetime};

/*
 * date_format(timestamp, varchar) and format_datetime(timestamp, varchar)
 * -> varchar; timestamps with a time zone share it.
 */
static void trino_date_format_function(duckdb_function_info info, duckdb_data_chunk input,
                                       duckdb_vector output) {
    const datetime_formatter *formatter = duckdb_scalar_function_get_extra_info(info);
    duckdb_vector time = duckdb_data_chunk_get_vector(input, 0);
    duckdb_vector format = duckdb_data_chunk_get_vector(input, 1);
    const int64_t *micros = duckdb_vector_get_data(time);
    idx_t rows = duckdb_data_chunk_get_size(input);
    owl_buf text = OWL_BUF_INIT;
    for (idx_t r = 0; r < rows; r++) {
        if (!row_valid(time, r) || !row_valid(format, r)) {
            set_null(output, r);
            continue;
        }
        size_t format_len;
        const char *f = string_at(format, r, &format_len);
        char *err = NULL;
        owl_buf_reset(&text);
        if (!formatter->format(micros[r], f, format_len, &text, &err)) {
            duckdb_scalar_function_set_error(info, err);
            free(err);
            break;
        }
        duckdb_vector_assign_string_element_len(output, r, text.data ? text.data : "", text.len);
    }
    owl_buf_free(&text);
}

static duckdb_scalar_function new_function(const char *name, const duckdb_type *params,
                                           size_t count, duckdb_type result,
                                           duckdb_scalar_function_t function) {
    duckdb_scalar_function f = duckdb_create_scalar_function();
    duckdb_scalar_function_set_name(f, name);
    for (size_t i = 0; i < count; i++) {
        duckdb_logical_type type = duckdb_create_logical_type(params[i]);
        duckdb_scalar_function_add_parameter(f, type);
        duckdb_destroy_logical_type(&type);
    }
    duckdb_logical_type type = duckdb_create_logical_type(result);
    duckdb_scalar_function_set_return_type(f, type);
    duckdb_destroy_logical_type(&type);
    duckdb_scalar_function_set_function(f, function);
    return f;
}

/* Registers name(timestamp, varchar) and name(timestamp with time zone, varchar). */
static bool register_formatter(duckdb_connection conn, const char *name,
                               const datetime_formatter *formatter) {
    static const duckdb_type timestamp_params[] = {DUCKDB_TYPE_TIMESTAMP, DUCKDB_TYPE_VARCHAR};
    static const duckdb_type zoned_params[] = {DUCKDB_TYPE_TIMESTAMP_TZ, DUCKDB_TYPE_VARCHAR};
    duckdb_scalar_function_set set = duckdb_create_scalar_function_set(name);
    duckdb_scalar_function plain = new_function(name, timestamp_params, 2, DUCKDB_TYPE_VARCHAR,
                                                trino_date_format_function);
    duckdb_scalar_function zoned = new_function(name, zoned_params, 2, DUCKDB_TYPE_VARCHAR,
                                                trino_date_format_function);
    duckdb_scalar_function_set_extra_info(plain, (void *)formatter, NULL);
    duckdb_scalar_function_set_extra_info(zoned, (void *)formatter, NULL);
    bool ok = duckdb_add_scalar_function_to_set(set, plain) == DuckDBSuccess &&
              duckdb_add_scalar_function_to_set(set, zoned) == DuckDBSuccess &&
              duckdb_register_scalar_function_set(conn, set) == DuckDBSuccess;
    duckdb_destroy_scalar_function(&plain);
    duckdb_destroy_scalar_function(&zoned);
    duckdb_destroy_scalar_function_set(&set);
    return ok;
}

bool engine_trino_register_datetime(duckdb_connection conn, char **err) {
    static const duckdb_type parse_params[] = {DUCKDB_TYPE_VARCHAR, DUCKDB_TYPE_VARCHAR};
    duckdb_scalar_function parse = new_function("date_parse", parse_params, 2,
                                                DUCKDB_TYPE_TIMESTAMP, trino_date_parse_function);
    bool ok = duckdb_register_scalar_function(conn, parse) == DuckDBSuccess;
    duckdb_destroy_scalar_function(&parse);
    ok = ok && register_formatter(conn, "date_format", &mysql_formatter) &&
         register_formatter(conn, "format_datetime", &joda_formatter);
    if (!ok)
        engine_set_err(err, "cannot register the Trino functions date_parse, date_format and "
                            "format_datetime");
    return ok;
}
