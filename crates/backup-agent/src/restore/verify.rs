//! Comparing what came back with what the manifest promised.

use std::collections::BTreeMap;

use super::fetch::Fetched;
use crate::manifest::{Artefact, ArtefactKind};

/// Problems with the restored files: missing, wrong size, wrong SHA-256.
pub async fn verify_files(fetched: &Fetched) -> Vec<String> {
    let mut problems = Vec::new();
    for artefact in &fetched.manifest.artefacts {
        if artefact.kind == ArtefactKind::Directory {
            problems.extend(verify_directory(fetched, artefact).await);
            continue;
        }
        let path = fetched.stage.join(&artefact.path);
        match crate::dump::hash::file_sha256(&path).await {
            Ok((sha256, size)) => {
                if size != artefact.size_bytes {
                    problems.push(format!(
                        "{}: restored size {size} bytes, manifest says {}",
                        artefact.source, artefact.size_bytes
                    ));
                }
                if sha256 != artefact.sha256 {
                    problems.push(format!(
                        "{}: SHA-256 {sha256} differs from the manifest's {}",
                        artefact.source, artefact.sha256
                    ));
                }
            }
            Err(e) => problems.push(format!(
                "{}: cannot read the restored file: {e}",
                artefact.source
            )),
        }
    }
    problems
}

async fn verify_directory(fetched: &Fetched, artefact: &Artefact) -> Vec<String> {
    let root = fetched.restored_path(&artefact.path);
    let expected = artefact.files.clone();
    let source = artefact.source.clone();
    let walked = tokio::task::spawn_blocking(move || {
        let mut files = Vec::new();
        crate::dump::directory::walk(&root, &root, &mut files).map(|()| files)
    })
    .await;
    let actual = match walked {
        Ok(Ok(files)) => files,
        Ok(Err(e)) => return vec![format!("{source}: {e}")],
        Err(e) => return vec![format!("{source}: {e}")],
    };
    let actual: BTreeMap<String, String> = actual.into_iter().map(|f| (f.path, f.sha256)).collect();
    let mut problems = Vec::new();
    for file in expected {
        match actual.get(&file.path) {
            None => problems.push(format!("{source}: {} missing", file.path)),
            Some(sha) if *sha != file.sha256 => {
                problems.push(format!("{source}: {} differs", file.path));
            }
            Some(_) => {}
        }
    }
    problems
}

/// Differences between the manifest's row counts and the restored database's.
pub fn compare_counts(
    source: &str,
    expected: &BTreeMap<String, u64>,
    actual: &BTreeMap<String, u64>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (table, rows) in expected {
        match actual.get(table) {
            None => problems.push(format!("{source}: table {table} missing after restore")),
            Some(found) if found != rows => problems.push(format!(
                "{source}: table {table} has {found} rows, the manifest says {rows}"
            )),
            Some(_) => {}
        }
    }
    for table in actual.keys() {
        if !expected.contains_key(table) {
            problems.push(format!("{source}: table {table} is not in the manifest"));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::compare_counts;
    use std::collections::BTreeMap;

    #[test]
    fn count_differences_are_named() {
        let expected = BTreeMap::from([("public.a".to_owned(), 3), ("public.b".to_owned(), 1)]);
        let actual = BTreeMap::from([("public.a".to_owned(), 2), ("public.c".to_owned(), 0)]);
        let problems = compare_counts("db", &expected, &actual);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("public.a has 2 rows"));
        assert!(compare_counts("db", &expected, &expected).is_empty());
    }
}
