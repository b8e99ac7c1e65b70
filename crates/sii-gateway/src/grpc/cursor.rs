//! The opaque cursor of a documents listing: the listing-order key of a page's last
//! document, so the next page starts on the natural key's index right after it. Opaque to
//! clients (base64url) so its content can change; a cursor that does not decode is refused.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ofitec_domain::ErrorCode;
use ofitec_domain::rcv::Operation;
use ofitec_platform::grpc::status;
use tonic::Status;

use crate::store::documents::After;

/// Version tag, so a future layout can tell old cursors apart.
const TAG: &str = "d1";

/// The cursor of the page that starts after `after`.
pub fn encode(after: &After) -> String {
    let text = format!(
        "{TAG}\t{}\t{}\t{}\t{}",
        after.operation.as_str(),
        after.tipo_dte,
        after.counterpart,
        after.folio
    );
    URL_SAFE_NO_PAD.encode(text)
}

/// The key a cursor names.
pub fn decode(cursor: &str) -> Result<After, Status> {
    let invalid = || {
        status::error(
            ErrorCode::CursorInvalid,
            "after: not a cursor this API returned (use the `next` of a previous page)",
        )
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.trim())
        .map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let mut parts = text.split('\t');
    if parts.next() != Some(TAG) {
        return Err(invalid());
    }
    let mut next = || parts.next().ok_or_else(invalid);
    let operation: Operation = next()?.parse().map_err(|_| invalid())?;
    let tipo_dte = next()?.parse().map_err(|_| invalid())?;
    let counterpart = next()?.to_owned();
    let folio = next()?.parse().map_err(|_| invalid())?;
    Ok(After {
        operation,
        tipo_dte,
        counterpart,
        folio,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let after = After {
            operation: Operation::Venta,
            tipo_dte: 33,
            counterpart: "12345678-5".to_owned(),
            folio: 9_999_999_999,
        };
        assert_eq!(decode(&encode(&after)).ok(), Some(after));
        let summary_line = After {
            operation: Operation::Compra,
            tipo_dte: 39,
            counterpart: String::new(),
            folio: 0,
        };
        assert_eq!(decode(&encode(&summary_line)).ok(), Some(summary_line));
        for bad in [
            "",
            "x",
            "!!!",
            &URL_SAFE_NO_PAD.encode("d2\tventa\t33\tx\t1"),
        ] {
            let err = decode(bad).err();
            assert_eq!(
                err.as_ref()
                    .and_then(ofitec_platform::grpc::status::error_code),
                Some(ErrorCode::CursorInvalid),
                "{bad}"
            );
        }
    }
}
