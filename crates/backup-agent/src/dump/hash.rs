//! SHA-256 of files, streamed.

use std::path::Path;

use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt as _;

/// SHA-256 (hex) and size of a file.
pub async fn file_sha256(path: &Path) -> std::io::Result<(String, u64)> {
    let mut file = tokio::fs::File::open(path).await?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buffer).await?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        size += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), size))
}
