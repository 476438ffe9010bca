#ifndef CPOSTGRES_SHIM_H
#define CPOSTGRES_SHIM_H
#include <libpq-fe.h>

// PG_DIAG_SQLSTATE is a character macro in postgres_ext.h; named here for Swift.
static inline const char *CPostgres_sqlstate(const PGresult *result) {
    return PQresultErrorField(result, 'C');
}
#endif
