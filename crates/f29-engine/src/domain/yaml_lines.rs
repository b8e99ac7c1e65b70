//! Finding the line of a value in a YAML text, so a semantic error ("unknown código 9999")
//! can name the line the way a syntax error does.
//!
//! serde_yaml keeps positions only inside its own errors. The trick: deserialize the text
//! again with a seed that walks down to the path and fails *there*; serde_yaml stamps the
//! error with the position of the value being read, which is the line we want. It costs one
//! parse per located error, and errors are rare.

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// One step of a path: a mapping key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A mapping key, compared with the key's text (`538`, `rules`).
    Key(String),
    /// A sequence index.
    Index(usize),
}

impl Seg {
    /// A key segment.
    pub fn key(k: impl ToString) -> Seg {
        Seg::Key(k.to_string())
    }
}

/// `rules[3].amounts[0]`, the form error messages print.
pub fn display_path(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// The 1-based line where the value at `path` starts, if the path exists.
pub fn line_of(text: &str, path: &[Seg]) -> Option<usize> {
    let deserializer = serde_yaml::Deserializer::from_str(text);
    let seek = Seek { path };
    match seek.deserialize(deserializer) {
        Err(e) if e.to_string().contains(FOUND) => e.location().map(|l| l.line()),
        _ => None,
    }
}

const FOUND: &str = "<<position found>>";

struct Seek<'p> {
    path: &'p [Seg],
}

impl<'de> DeserializeSeed<'de> for Seek<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

fn key_text(key: &serde_yaml::Value) -> String {
    match key {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Number(n) => n.to_string(),
        serde_yaml::Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

impl<'de> Visitor<'de> for Seek<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some((first, rest)) = self.path.split_first() else {
            return Err(de::Error::custom(FOUND));
        };
        while let Some(key) = map.next_key::<serde_yaml::Value>()? {
            match first {
                Seg::Key(wanted) if key_text(&key) == *wanted => {
                    return map.next_value_seed(Seek { path: rest });
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Some((first, rest)) = self.path.split_first() else {
            return Err(de::Error::custom(FOUND));
        };
        let mut index = 0;
        loop {
            if *first == Seg::Index(index) {
                return seq.next_element_seed(Seek { path: rest }).map(|_| ());
            }
            if seq.next_element::<IgnoredAny>()?.is_none() {
                return Ok(());
            }
            index += 1;
        }
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.scalar()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.scalar()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.scalar()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.scalar()
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.scalar()
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.scalar()
    }
}

impl Seek<'_> {
    fn scalar<E: de::Error>(&self) -> Result<(), E> {
        if self.path.is_empty() {
            Err(E::custom(FOUND))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "version: 1\nrules:\n  - operation: venta\n    tipo_dte: [33, 30]\n  - operation: compra\n    tipo_dte: 33\ntotals:\n  538:\n    plus: [502, 111]\n";

    #[test]
    fn finds_lines_of_nested_values() {
        assert_eq!(line_of(TEXT, &[Seg::key("version")]), Some(1));
        assert_eq!(line_of(TEXT, &[Seg::key("rules"), Seg::Index(0)]), Some(3));
        assert_eq!(line_of(TEXT, &[Seg::key("rules"), Seg::Index(1)]), Some(5));
        assert_eq!(
            line_of(
                TEXT,
                &[Seg::key("rules"), Seg::Index(1), Seg::key("tipo_dte")]
            ),
            Some(6)
        );
        assert_eq!(
            line_of(
                TEXT,
                &[
                    Seg::key("totals"),
                    Seg::key(538),
                    Seg::key("plus"),
                    Seg::Index(1)
                ]
            ),
            Some(9)
        );
        assert_eq!(line_of(TEXT, &[Seg::key("rules"), Seg::Index(7)]), None);
        assert_eq!(line_of(TEXT, &[Seg::key("nothing")]), None);
    }

    #[test]
    fn paths_print_like_serde_yaml() {
        assert_eq!(
            display_path(&[
                Seg::key("rules"),
                Seg::Index(3),
                Seg::key("amounts"),
                Seg::Index(0)
            ]),
            "rules[3].amounts[0]"
        );
    }
}
