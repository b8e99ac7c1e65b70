//! The shapes of SII's bad days: its HTML pages (with 200 or 503), server errors, SOAP
//! Faults, the "TOKEN NO EXISTE" answer, and bodies cut short.

use http::StatusCode;

use crate::reply::{self, Reply};

/// The maintenance page SII's front ends serve when a service behind them is down.
pub fn maintenance_page() -> Vec<u8> {
    b"<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\">\n\
<html>\n<head>\n<title>SII - Servicio no disponible</title>\n\
<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\">\n</head>\n\
<body>\n<h2>Servicio no disponible</h2>\n\
<p>Estimado contribuyente: en este momento el servicio no se encuentra disponible. \
Por favor intente m\xe1s tarde.</p>\n</body>\n</html>\n"
        .to_vec()
}

/// The application server's page for an internal error.
pub fn error_page() -> Vec<u8> {
    b"<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.0 Draft//EN\">\n\
<HTML>\n<HEAD>\n<TITLE>Error 500--Internal Server Error</TITLE>\n</HEAD>\n\
<BODY bgcolor=\"white\">\n<FONT FACE=Helvetica><BR CLEAR=all>\n<TABLE border=0 cellspacing=5><TR><TD><BR CLEAR=all>\n\
<FONT FACE=\"Helvetica\" COLOR=\"black\" SIZE=\"3\"><H2>Error 500--Internal Server Error</H2>\n\
</FONT></TD></TR>\n</TABLE>\n</FONT>\n</BODY>\n</HTML>\n"
        .to_vec()
}

/// A SOAP 1.1 Fault as Axis writes it.
pub fn soap_fault(code: &str, message: &str) -> Vec<u8> {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n \
<soapenv:Body>\n  <soapenv:Fault>\n   <faultcode>{}</faultcode>\n   <faultstring>{}</faultstring>\n   \
<detail>\n    <ns1:hostname xmlns:ns1=\"http://xml.apache.org/axis/\">palena</ns1:hostname>\n   </detail>\n  \
</soapenv:Fault>\n </soapenv:Body>\n</soapenv:Envelope>",
        crate::soap::xml_escape(code),
        crate::soap::xml_escape(message)
    )
    .into_bytes()
}

/// "TOKEN NO EXISTE" exactly as captured (testdata/sii/auth/token_no_existe.real.xml):
/// CRLF line ends, no trailing newline.
pub fn token_no_existe() -> Vec<u8> {
    b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n\
<SII:RESPUESTA xmlns:SII=\"http://www.sii.cl/XMLSchema\">\r\n    <SII:RESP_HDR>\r\n        \
<ESTADO>001</ESTADO>\r\n        <GLOSA>TOKEN NO EXISTE</GLOSA>\r\n    </SII:RESP_HDR>\r\n\
</SII:RESPUESTA>"
        .to_vec()
}

/// HTTP 503 with the maintenance page.
pub fn html_503(outcome: String) -> Reply {
    Reply::with_status(
        StatusCode::SERVICE_UNAVAILABLE,
        reply::HTML,
        maintenance_page(),
        outcome,
    )
}

/// HTTP 200 with the maintenance page (SII's front ends do that too).
pub fn html_200(outcome: String) -> Reply {
    Reply::ok(reply::HTML, maintenance_page(), outcome)
}

/// HTTP 500: a SOAP Fault for SOAP endpoints, the error page for the facade.
pub fn http_500(soap: bool, outcome: String) -> Reply {
    if soap {
        Reply::with_status(
            StatusCode::INTERNAL_SERVER_ERROR,
            reply::XML,
            soap_fault(
                "soapenv:Server.userException",
                "java.lang.NullPointerException",
            ),
            outcome,
        )
    } else {
        Reply::with_status(
            StatusCode::INTERNAL_SERVER_ERROR,
            reply::HTML,
            error_page(),
            outcome,
        )
    }
}

/// `body` cut to `keep` of its length (at least one byte is removed when there is any).
pub fn truncate(mut body: Vec<u8>, keep: f64) -> Vec<u8> {
    let len = body.len();
    let cut = ((len as f64 * keep) as usize).min(len.saturating_sub(1));
    body.truncate(cut);
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_no_existe_matches_the_capture_shape() {
        let text = String::from_utf8(token_no_existe()).unwrap_or_default();
        assert_eq!(text.matches("\r\n").count(), 6);
        assert!(!text.ends_with('\n'));
    }

    #[test]
    fn truncation_always_cuts() {
        assert_eq!(truncate(b"abcd".to_vec(), 0.5), b"ab");
        assert_eq!(truncate(b"abcd".to_vec(), 0.99), b"abc");
        assert_eq!(truncate(Vec::new(), 0.5), b"");
    }
}
