//! The migrated database's catalog, read with `migdoc_replay::live`.

use migdoc_replay::Catalog;

use crate::VerifyError;
use crate::server::Server;

pub(crate) fn catalog(
    server: &Server,
    database: &str,
    version_table: &str,
) -> Result<Catalog, VerifyError> {
    let text = server.query(database, &migdoc_replay::live::catalog_query())?;
    migdoc_replay::live::catalog_from_json(&text, version_table, "public")
        .map_err(VerifyError::Database)
}
