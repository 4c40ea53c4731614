//! Every rule: a documented struct (the user docs) and a function that reports into the context.
//! The registry (`crate::registry`) lists them.

pub(crate) mod driver_percent;
pub(crate) mod files;
pub(crate) mod graph;
pub(crate) mod hygiene;
pub(crate) mod invalid_sql;
pub(crate) mod models;
pub(crate) mod replay;
pub(crate) mod suppressions;
pub(crate) mod verify;
