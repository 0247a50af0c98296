/*
 * Form parameter parsing for the Query protocol. See form.h.
 */
#include "aws/form.h"

#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool aws_form_parse(aws_form *form, const char *text, size_t len, char *err, size_t errlen)
{
    form->params = NULL;
    form->count = 0;
    size_t cap = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *start = text + pos;
        const char *amp = memchr(start, '&', len - pos);
        size_t item_len = amp ? (size_t)(amp - start) : len - pos;
        pos += item_len + 1;
        if (item_len == 0)
            continue;

        if (form->count == AWS_FORM_MAX_PARAMS) {
            snprintf(err, errlen, "too many parameters: the limit is %d", AWS_FORM_MAX_PARAMS);
            aws_form_free(form);
            return false;
        }
        const char *eq = memchr(start, '=', item_len);
        size_t name_len = eq ? (size_t)(eq - start) : item_len;
        size_t name_out, value_out;
        char *name = owl_percent_decode(start, name_len, true, &name_out);
        char *value = eq ? owl_percent_decode(eq + 1, item_len - name_len - 1, true, &value_out)
                         : (value_out = 0, strdup(""));
        if (!name || !value || !owl_utf8_valid(name, name_out) || strlen(name) != name_out ||
            !owl_utf8_valid(value, value_out) || strlen(value) != value_out) {
            snprintf(err, errlen, "malformed form parameter \"%.*s\": invalid percent-encoding or UTF-8",
                     (int)(name_len > 64 ? 64 : name_len), start);
            free(name);
            free(value);
            aws_form_free(form);
            return false;
        }
        if (form->count == cap) {
            cap = cap ? cap * 2 : 16;
            aws_form_param *params = realloc(form->params, cap * sizeof *params);
            if (!params)
                abort();
            form->params = params;
        }
        form->params[form->count].name = name;
        form->params[form->count].value = value;
        form->count++;
    }
    return true;
}

const char *aws_form_get(const aws_form *form, const char *name)
{
    for (size_t i = 0; i < form->count; i++)
        if (strcmp(form->params[i].name, name) == 0)
            return form->params[i].value;
    return NULL;
}

void aws_form_free(aws_form *form)
{
    for (size_t i = 0; i < form->count; i++) {
        free(form->params[i].name);
        free(form->params[i].value);
    }
    free(form->params);
    form->params = NULL;
    form->count = 0;
}
