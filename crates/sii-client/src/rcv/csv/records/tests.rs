use super::*;

/// Every record of `input` as (line, fields), read with a buffer of `chunk` bytes to start
/// with, through a reader that hands out at most `chunk` bytes at a time (so records
/// straddle refills and the buffer grows).
fn read(input: &[u8], chunk: usize) -> Vec<(u64, Vec<Vec<u8>>)> {
    struct Chunked<'a>(&'a [u8], usize);
    impl Read for Chunked<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(self.1).min(out.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let mut records = Records::with_buffer(Chunked(input, chunk), chunk);
    let mut out = Vec::new();
    while let Some(record) = records.next_record().unwrap_or_else(|e| panic!("{e}")) {
        out.push((record.line, record.fields().map(<[u8]>::to_vec).collect()));
    }
    out
}

/// The `csv` crate's reading of the same bytes, configured as the parser used to be.
fn reference(input: &[u8]) -> Vec<Vec<Vec<u8>>> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .flexible(true)
        .double_quote(false)
        .from_reader(input);
    let mut record = csv::ByteRecord::new();
    let mut out = Vec::new();
    while reader
        .read_byte_record(&mut record)
        .unwrap_or_else(|e| panic!("{e}"))
    {
        out.push(record.iter().map(<[u8]>::to_vec).collect());
    }
    out
}

fn fields(records: &[(u64, Vec<Vec<u8>>)]) -> Vec<Vec<Vec<u8>>> {
    records.iter().map(|(_, f)| f.clone()).collect()
}

fn texts(record: &(u64, Vec<Vec<u8>>)) -> (u64, Vec<String>) {
    (
        record.0,
        record
            .1
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect(),
    )
}

#[test]
fn plain_records_and_lines() {
    let input = b"a;b;c\n1;2;3;\r\n\r\n\nx\ry;\"q;r\";s\n";
    let got = read(input, 1 << 20);
    let got: Vec<(u64, Vec<String>)> = got.iter().map(texts).collect();
    let owned = |line: u64, f: &[&str]| (line, f.iter().map(|s| (*s).to_owned()).collect());
    assert_eq!(
        got,
        vec![
            owned(1, &["a", "b", "c"]),
            owned(2, &["1", "2", "3", ""]),
            // Blank lines are skipped, their newlines counted; a lone \r ends a record too.
            owned(5, &["x"]),
            owned(5, &["y", "q;r", "s"]),
        ]
    );
}

#[test]
fn quotes_follow_the_csv_crate() {
    for input in [
        &b"\"a\"b;c\n"[..],
        b"a\"b\";c\n",
        b"\"a;\nb\";c\nnext;1\n",
        b"\"unterminated;x\ny",
        b"\"\";\"\"\"\n",
        b"x;\"\r\n\";y\r\nz",
        b";;\n;\n\"",
    ] {
        assert_eq!(
            fields(&read(input, 3)),
            reference(input),
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }
    // A newline inside quotes moves the next record's line.
    let got = read(b"h\n\"a\nb\";c\nnext\n", 1 << 20);
    let lines: Vec<u64> = got.iter().map(|r| r.0).collect();
    assert_eq!(lines, vec![1, 2, 4]);
}

#[test]
fn a_record_longer_than_the_buffer() {
    let long = "x".repeat(BUFFER * 3);
    let input = format!("a;{long};b\nc\n");
    let got = read(input.as_bytes(), BUFFER);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].1[1].len(), BUFFER * 3);
    assert_eq!(got[1], (2, vec![b"c".to_vec()]));
}

proptest::proptest! {
    #[test]
    fn agrees_with_the_csv_crate(
        input in proptest::collection::vec(proptest::sample::select(b"ab ;;\"\n\r\xc3".to_vec()), 0..200),
        chunk in 1usize..64,
    ) {
        proptest::prop_assert_eq!(fields(&read(&input, chunk)), reference(&input));
    }
}
