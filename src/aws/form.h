/*
 * application/x-www-form-urlencoded parameters, as the Query protocol (IAM,
 * STS) sends them in a POST body or a GET query string.
 */
#ifndef OWL_AWS_FORM_H
#define OWL_AWS_FORM_H

#include <stdbool.h>
#include <stddef.h>

/* At most this many parameters are accepted in one request. */
#define AWS_FORM_MAX_PARAMS 1000

typedef struct aws_form_param {
    char *name;
    char *value;
} aws_form_param;

typedef struct aws_form {
    aws_form_param *params;
    size_t count;
} aws_form;

/*
 * Parses text (length len) into form, percent-decoding names and values.
 * Returns false with a message in err on a malformed escape, invalid UTF-8
 * or more than AWS_FORM_MAX_PARAMS parameters; form is then empty.
 */
bool aws_form_parse(aws_form *form, const char *text, size_t len, char *err, size_t errlen);
/* Returns the value of the first parameter named name, or NULL. */
const char *aws_form_get(const aws_form *form, const char *name);
void aws_form_free(aws_form *form);

#endif
