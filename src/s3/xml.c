/*
 * S3 request body parsers on expat. See xml.h.
 *
 * expat first builds a small element tree (local names, text, the
 * xsi:type attribute); each parser then walks the tree for its shape.
 */
#include "s3/xml.h"

#include "common/buf.h"

#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XSI_TYPE "http://www.w3.org/2001/XMLSchema-instance|type"

typedef struct xml_node {
    char *name; /* local name, without the namespace URI */
    char *type; /* xsi:type attribute, or NULL */
    owl_buf text;
    struct xml_node *parent, *first_child, *last_child, *next;
} xml_node;

typedef struct xml_tree {
    xml_node *root;
    xml_node *current;
    size_t depth;
    size_t nodes;
    XML_Parser parser;
    const char *error;
} xml_tree;

static const char *local_name(const char *name)
{
    const char *bar = strrchr(name, '|');
    return bar ? bar + 1 : name;
}

static void tree_fail(xml_tree *tree, const char *error)
{
    if (!tree->error)
        tree->error = error;
    XML_StopParser(tree->parser, XML_FALSE);
}

static void XMLCALL on_start(void *arg, const XML_Char *name, const XML_Char **attrs)
{
    xml_tree *tree = arg;
    if (++tree->depth > S3_XML_MAX_DEPTH) {
        tree_fail(tree, "the document is nested too deeply");
        return;
    }
    if (++tree->nodes > S3_XML_MAX_NODES) {
        tree_fail(tree, "the document has too many elements");
        return;
    }
    xml_node *node = calloc(1, sizeof *node);
    if (!node)
        abort();
    node->name = strdup(local_name(name));
    if (!node->name)
        abort();
    for (size_t i = 0; attrs[i]; i += 2)
        if (strcmp(attrs[i], XSI_TYPE) == 0 && !node->type)
            node->type = strdup(attrs[i + 1]);
    node->parent = tree->current;
    if (!tree->current) {
        tree->root = node;
    } else {
        if (tree->current->last_child)
            tree->current->last_child->next = node;
        else
            tree->current->first_child = node;
        tree->current->last_child = node;
    }
    tree->current = node;
}

static void XMLCALL on_end(void *arg, const XML_Char *name)
{
    (void)name;
    xml_tree *tree = arg;
    tree->depth--;
    if (tree->current)
        tree->current = tree->current->parent;
}

static void XMLCALL on_text(void *arg, const XML_Char *text, int len)
{
    xml_tree *tree = arg;
    if (tree->current)
        owl_buf_append(&tree->current->text, text, (size_t)len);
}

static void XMLCALL on_doctype(void *arg, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
    (void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
    tree_fail(arg, "a DOCTYPE is not allowed");
}

static void node_free(xml_node *node)
{
    while (node) {
        xml_node *next = node->next;
        node_free(node->first_child);
        free(node->name);
        free(node->type);
        owl_buf_free(&node->text);
        free(node);
        node = next;
    }
}

/* Parses xml into a tree; returns the root or NULL with a message in err. */
static xml_node *tree_parse(const char *xml, size_t len, char *err, size_t errlen)
{
    xml_tree tree = {0};
    tree.parser = XML_ParserCreateNS(NULL, '|');
    if (!tree.parser)
        abort();
    XML_SetUserData(tree.parser, &tree);
    XML_SetElementHandler(tree.parser, on_start, on_end);
    XML_SetCharacterDataHandler(tree.parser, on_text);
    XML_SetStartDoctypeDeclHandler(tree.parser, on_doctype);
    bool ok = len <= (size_t)INT32_MAX &&
              XML_Parse(tree.parser, xml ? xml : "", (int)len, XML_TRUE) == XML_STATUS_OK &&
              !tree.error && tree.root;
    if (!ok) {
        if (tree.error)
            snprintf(err, errlen, "The XML you provided was not well-formed: %s", tree.error);
        else if (!tree.root && XML_GetErrorCode(tree.parser) == XML_ERROR_NONE)
            snprintf(err, errlen, "The XML you provided was empty");
        else
            snprintf(err, errlen, "The XML you provided was not well-formed: %s at line %lu",
                     XML_ErrorString(XML_GetErrorCode(tree.parser)),
                     (unsigned long)XML_GetCurrentLineNumber(tree.parser));
        node_free(tree.root);
        XML_ParserFree(tree.parser);
        return NULL;
    }
    XML_ParserFree(tree.parser);
    return tree.root;
}

static const xml_node *child(const xml_node *node, const char *name)
{
    for (const xml_node *c = node ? node->first_child : NULL; c; c = c->next)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

static const char *text_of(const xml_node *node)
{
    return node && node->text.data ? node->text.data : "";
}

/* Returns the text with leading and trailing XML whitespace removed, in a new string. */
static char *trimmed(const xml_node *node)
{
    const char *s = text_of(node);
    size_t len = node ? node->text.len : 0;
    while (len > 0 && strchr(" \t\r\n", *s))
        s++, len--;
    while (len > 0 && strchr(" \t\r\n", s[len - 1]))
        len--;
    char *out = strndup(s, len);
    if (!out)
        abort();
    return out;
}

static bool root_is(const xml_node *root, const char *name, char *err, size_t errlen)
{
    if (strcmp(root->name, name) == 0)
        return true;
    snprintf(err, errlen, "The XML you provided did not validate: expected root element %s, found %.64s",
             name, root->name);
    return false;
}

bool s3_xml_parse_delete(const char *xml, size_t len, s3_delete_request *out, char *err,
                         size_t errlen)
{
    memset(out, 0, sizeof *out);
    xml_node *root = tree_parse(xml, len, err, errlen);
    if (!root)
        return false;
    bool ok = root_is(root, "Delete", err, errlen);
    for (const xml_node *c = root->first_child; ok && c; c = c->next) {
        if (strcmp(c->name, "Quiet") == 0) {
            char *value = trimmed(c);
            out->quiet = strcmp(value, "true") == 0;
            free(value);
        } else if (strcmp(c->name, "Object") == 0) {
            const xml_node *key = child(c, "Key");
            if (!key) {
                snprintf(err, errlen, "The XML you provided did not validate: Object has no Key");
                ok = false;
            } else if (out->count >= S3_DELETE_MAX_KEYS) {
                snprintf(err, errlen, "The XML you provided did not validate: more than %d objects",
                         S3_DELETE_MAX_KEYS);
                ok = false;
            } else {
                out->keys = realloc(out->keys, (out->count + 1) * sizeof *out->keys);
                if (!out->keys)
                    abort();
                /* Keys keep their whitespace: " a" and "a" are different keys. */
                out->keys[out->count] = strndup(text_of(key), key->text.len);
                if (!out->keys[out->count])
                    abort();
                out->count++;
            }
        }
    }
    if (ok && out->count == 0) {
        snprintf(err, errlen, "The XML you provided did not validate: Delete lists no Object");
        ok = false;
    }
    node_free(root);
    if (!ok)
        s3_delete_request_free(out);
    return ok;
}

void s3_delete_request_free(s3_delete_request *request)
{
    for (size_t i = 0; i < request->count; i++)
        free(request->keys[i]);
    free(request->keys);
    memset(request, 0, sizeof *request);
}

/* Parses a decimal integer in [min, max]; returns false otherwise. */
static bool parse_int(const char *s, long min, long max, long *out)
{
    char *end;
    if (*s == '\0' || *s == '+' || *s == '-' || *s == ' ')
        return false;
    long value = strtol(s, &end, 10);
    if (*end != '\0' || value < min || value > max)
        return false;
    *out = value;
    return true;
}

bool s3_xml_parse_complete(const char *xml, size_t len, s3_complete_request *out, char *err,
                           size_t errlen)
{
    memset(out, 0, sizeof *out);
    xml_node *root = tree_parse(xml, len, err, errlen);
    if (!root)
        return false;
    bool ok = root_is(root, "CompleteMultipartUpload", err, errlen);
    for (const xml_node *c = root->first_child; ok && c; c = c->next) {
        if (strcmp(c->name, "Part") != 0)
            continue;
        char *number = trimmed(child(c, "PartNumber"));
        char *etag = trimmed(child(c, "ETag"));
        long part_number;
        if (!parse_int(number, 1, S3_MAX_PARTS, &part_number)) {
            snprintf(err, errlen, "The XML you provided did not validate: PartNumber \"%.32s\" is not "
                                  "an integer from 1 to %d", number, S3_MAX_PARTS);
            ok = false;
        } else if (out->count >= S3_MAX_PARTS) {
            snprintf(err, errlen, "The XML you provided did not validate: more than %d parts",
                     S3_MAX_PARTS);
            ok = false;
        } else {
            out->parts = realloc(out->parts, (out->count + 1) * sizeof *out->parts);
            if (!out->parts)
                abort();
            s3_complete_part *part = &out->parts[out->count++];
            part->part_number = (int)part_number;
            /* Clients send the ETag with or without its double quotes. */
            const char *e = etag;
            size_t n = strlen(e);
            if (n >= 2 && e[0] == '"' && e[n - 1] == '"')
                e++, n -= 2;
            if (n >= sizeof part->etag)
                n = sizeof part->etag - 1;
            memcpy(part->etag, e, n);
            part->etag[n] = '\0';
        }
        free(number);
        free(etag);
    }
    if (ok && out->count == 0) {
        snprintf(err, errlen, "The XML you provided did not validate: CompleteMultipartUpload lists no Part");
        ok = false;
    }
    node_free(root);
    if (!ok)
        s3_complete_request_free(out);
    return ok;
}

void s3_complete_request_free(s3_complete_request *request)
{
    free(request->parts);
    memset(request, 0, sizeof *request);
}

bool s3_xml_parse_create_bucket(const char *xml, size_t len, char location[64], char *err,
                                size_t errlen)
{
    location[0] = '\0';
    xml_node *root = tree_parse(xml, len, err, errlen);
    if (!root)
        return false;
    bool ok = root_is(root, "CreateBucketConfiguration", err, errlen);
    if (ok) {
        char *value = trimmed(child(root, "LocationConstraint"));
        if (strlen(value) >= 64) {
            snprintf(err, errlen, "The XML you provided did not validate: LocationConstraint is too long");
            ok = false;
        } else {
            snprintf(location, 64, "%s", value);
        }
        free(value);
    }
    node_free(root);
    return ok;
}

static bool parse_grant(const xml_node *grant, s3_acl *acl, char *err, size_t errlen)
{
    const xml_node *grantee = child(grant, "Grantee");
    char *permission_name = trimmed(child(grant, "Permission"));
    s3_permission permission = s3_permission_parse(permission_name);
    free(permission_name);
    if (!grantee || !permission) {
        snprintf(err, errlen, "Each Grant needs a Grantee and a Permission of READ, WRITE, READ_ACP, "
                              "WRITE_ACP or FULL_CONTROL");
        return false;
    }
    const char *type = grantee->type ? grantee->type : "";
    /* The attribute value may carry a namespace prefix, as in "xsi:CanonicalUser". */
    const char *colon = strchr(type, ':');
    if (colon)
        type = colon + 1;
    const char *element;
    s3_grantee_type grantee_type;
    if (strcmp(type, "CanonicalUser") == 0) {
        element = "ID", grantee_type = S3_GRANTEE_CANONICAL_USER;
    } else if (strcmp(type, "Group") == 0) {
        element = "URI", grantee_type = S3_GRANTEE_GROUP;
    } else if (strcmp(type, "AmazonCustomerByEmail") == 0) {
        element = "EmailAddress", grantee_type = S3_GRANTEE_EMAIL;
    } else {
        snprintf(err, errlen, "Grantee xsi:type \"%.64s\" is not CanonicalUser, Group or "
                              "AmazonCustomerByEmail", type);
        return false;
    }
    char *value = trimmed(child(grantee, element));
    bool ok = value[0] != '\0' && strlen(value) < sizeof acl->grants[0].grantee;
    if (!ok) {
        snprintf(err, errlen, "A Grantee of type %s needs a non-empty %s", type, element);
    } else if (acl->count >= S3_ACL_MAX_GRANTS) {
        snprintf(err, errlen, "An ACL can have at most %d grants", S3_ACL_MAX_GRANTS);
        ok = false;
    } else {
        s3_grant *g = &acl->grants[acl->count++];
        g->type = grantee_type;
        snprintf(g->grantee, sizeof g->grantee, "%s", value);
        g->permission = permission;
    }
    free(value);
    return ok;
}

bool s3_xml_parse_acl(const char *xml, size_t len, s3_acl *acl, char *err, size_t errlen)
{
    memset(acl, 0, sizeof *acl);
    xml_node *root = tree_parse(xml, len, err, errlen);
    if (!root)
        return false;
    bool ok = root_is(root, "AccessControlPolicy", err, errlen);
    if (ok) {
        char *owner = trimmed(child(child(root, "Owner"), "ID"));
        if (strlen(owner) >= sizeof acl->owner_id) {
            snprintf(err, errlen, "Owner ID \"%.80s\" is not a canonical user ID", owner);
            ok = false;
        } else {
            snprintf(acl->owner_id, sizeof acl->owner_id, "%s", owner);
        }
        free(owner);
    }
    const xml_node *list = child(root, "AccessControlList");
    for (const xml_node *g = list ? list->first_child : NULL; ok && g; g = g->next)
        if (strcmp(g->name, "Grant") == 0)
            ok = parse_grant(g, acl, err, errlen);
    node_free(root);
    return ok;
}

bool s3_xml_parse_ownership(const char *xml, size_t len, char ownership[32], char *err,
                            size_t errlen)
{
    ownership[0] = '\0';
    xml_node *root = tree_parse(xml, len, err, errlen);
    if (!root)
        return false;
    bool ok = root_is(root, "OwnershipControls", err, errlen);
    const xml_node *rule = child(root, "Rule");
    if (ok && (!rule || (rule->next && strcmp(rule->next->name, "Rule") == 0))) {
        snprintf(err, errlen, "The XML you provided did not validate: OwnershipControls needs exactly one Rule");
        ok = false;
    }
    if (ok) {
        char *value = trimmed(child(rule, "ObjectOwnership"));
        if (strcmp(value, "BucketOwnerEnforced") != 0 && strcmp(value, "BucketOwnerPreferred") != 0 &&
            strcmp(value, "ObjectWriter") != 0) {
            snprintf(err, errlen, "The XML you provided did not validate: ObjectOwnership \"%.40s\" is "
                                  "not BucketOwnerEnforced, BucketOwnerPreferred or ObjectWriter", value);
            ok = false;
        } else {
            snprintf(ownership, 32, "%s", value);
        }
        free(value);
    }
    node_free(root);
    return ok;
}
