//! Generates the tonic/prost code from `proto/` with the vendored `protoc`, so a machine
//! without protoc installed builds the workspace.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../proto");
    let protos = [
        root.join("ofitec/sii/v1/sii_gateway.proto"),
        root.join("ofitec/f29/v1/f29_engine.proto"),
        root.join("ofitec/backup/v1/backup_agent.proto"),
    ];
    for proto in &protos {
        println!("cargo:rerun-if-changed={}", proto.display());
    }

    let mut config = tonic_prost_build::Config::new();
    config.protoc_executable(protoc_bin_vendored::protoc_bin_path()?);
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        // No default stubs: a service that forgets an RPC of its contract does not compile.
        .generate_default_stubs(false)
        .compile_with_config(config, &protos, &[root])?;
    Ok(())
}
