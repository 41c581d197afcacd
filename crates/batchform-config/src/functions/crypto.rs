//! Hash and UUID functions (Terraform `funcs/crypto.go`): md5, sha1, sha256, sha512,
//! base64sha256, base64sha512, their `file*` variants, uuid and uuidv5.

use super::filesystem::read_for_hash;
use super::spec::prelude::*;
use base64::Engine;
use sha1::Digest;

/// Which digest, and how it is written out.
#[derive(Clone, Copy)]
enum Hash {
    Md5,
    Sha1,
    Sha256,
    Sha512,
}

#[derive(Clone, Copy)]
enum Encoding {
    Hex,
    Base64,
}

fn digest(hash: Hash, data: &[u8]) -> Vec<u8> {
    match hash {
        Hash::Md5 => md5::Md5::digest(data).to_vec(),
        Hash::Sha1 => sha1::Sha1::digest(data).to_vec(),
        Hash::Sha256 => sha2::Sha256::digest(data).to_vec(),
        Hash::Sha512 => sha2::Sha512::digest(data).to_vec(),
    }
}

fn encode(bytes: &[u8], encoding: Encoding) -> String {
    match encoding {
        Encoding::Hex => bytes.iter().map(|b| format!("{b:02x}")).collect(),
        Encoding::Base64 => base64::engine::general_purpose::STANDARD.encode(bytes),
    }
}

pub(super) fn register(all: &mut Vec<Function>) {
    macro_rules! hashes {
        ($($name:literal, $file:literal => $hash:expr, $enc:expr;)*) => {$(
            all.push(Function::new(
                $name,
                vec![Param::new("str", Type::String)],
                Ret::Static(|| Type::String),
                |a, _, _| Ok(string_val(encode(&digest($hash, str_arg(a, 0).as_bytes()), $enc))),
            ));
            all.push(Function::new(
                $file,
                vec![Param::new("path", Type::String).marked()],
                Ret::Static(|| Type::String),
                |a, _, ctx| {
                    let (path, marked) = arg(a, 0).unmarked();
                    let bytes = read_for_hash(ctx, path.as_str().unwrap_or_default())?;
                    Ok(string_val(encode(&digest($hash, &bytes), $enc)).with_sensitive(marked))
                },
            ));
        )*};
    }
    hashes! {
        "md5", "filemd5" => Hash::Md5, Encoding::Hex;
        "sha1", "filesha1" => Hash::Sha1, Encoding::Hex;
        "sha256", "filesha256" => Hash::Sha256, Encoding::Hex;
        "sha512", "filesha512" => Hash::Sha512, Encoding::Hex;
        "base64sha256", "filebase64sha256" => Hash::Sha256, Encoding::Base64;
        "base64sha512", "filebase64sha512" => Hash::Sha512, Encoding::Base64;
    }
    all.push(Function::new("uuid", vec![], Ret::Static(|| Type::String), uuid).impure());
    all.push(Function::new(
        "uuidv5",
        vec![Param::new("namespace", Type::String), Param::new("name", Type::String)],
        Ret::Static(|| Type::String),
        uuidv5,
    ));
}

/// hashicorp/go-uuid's `GenerateUUID`: 16 random bytes in UUID layout (no version bits).
fn uuid(_: &[Value], _: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| CallError::msg(format!("failed to read random bytes: {e}")))?;
    let hex = encode(&bytes, Encoding::Hex);
    Ok(string_val(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )))
}

fn uuidv5(args: &[Value], _: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let ns = str_arg(args, 0);
    let namespace = match ns {
        "dns" => uuid::Uuid::NAMESPACE_DNS,
        "url" => uuid::Uuid::NAMESPACE_URL,
        "oid" => uuid::Uuid::NAMESPACE_OID,
        "x500" => uuid::Uuid::NAMESPACE_X500,
        other => parse_go_uuid(other).ok_or_else(|| {
            CallError::msg(format!(
                "uuidv5() doesn't support namespace {other} (invalid UUID length: {})",
                other.len()
            ))
        })?,
    };
    Ok(string_val(uuid::Uuid::new_v5(&namespace, str_arg(args, 1).as_bytes()).to_string()))
}

/// satori/go.uuid's `FromString`: the canonical form, optionally braced or `urn:uuid:`
/// prefixed, or 32 hex digits.
fn parse_go_uuid(text: &str) -> Option<uuid::Uuid> {
    let inner = text
        .strip_prefix("urn:uuid:")
        .or_else(|| text.strip_prefix('{').and_then(|t| t.strip_suffix('}')))
        .unwrap_or(text);
    if inner.len() != 36 && inner.len() != 32 {
        return None;
    }
    uuid::Uuid::parse_str(inner).ok()
}
