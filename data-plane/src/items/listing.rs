//! The directories of a tenant's on-disk stores (backups, export and
//! import jobs): entries named by DynamoDB's ids (`<14-digit millis>-<8
//! hex>`), which sort in creation order.

use std::fs;
use std::path::Path;

/// True for a name an id may have (no separators, nothing to escape).
pub fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

/// The ids in `dir`, in creation order: the entries `id_of` takes an id
/// from, if the id is valid. A missing directory holds none.
pub fn sorted_ids(dir: &Path, id_of: impl Fn(&str) -> Option<&str>) -> std::io::Result<Vec<String>> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut ids = Vec::new();
    for entry in entries {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if let Some(id) = id_of(&name).filter(|id| valid_id(id)) {
            ids.push(id.to_owned());
        }
    }
    ids.sort();
    Ok(ids)
}
