//! Splitting SII's CSV into records and fields, without copying the common record.
//!
//! SII's dialect is small (docs/reference/sii.md#rcv-csv-exports): `;` between fields, `"`
//! quotes that are never doubled, records ended by `\n`, `\r\n` or `\r`, blank lines ignored.
//! A record without a quote (nearly all of them) is found with one vectorised search for its
//! end and is read in place, fields as ranges of the read buffer; a record with a quote goes
//! through a byte-by-byte state machine into a scratch buffer. Both follow the `csv` crate's
//! reading of the same bytes (`delimiter(b';')`, `double_quote(false)`, `flexible(true)`), which
//! a differential test checks; this reader exists because the import path must parse at least
//! a million rows per second on one core (docs/BENCHMARKS.md), and the general-purpose reader
//! spent a third of that budget copying every byte of every record.

use std::io::{self, Read};

/// Bytes read from the source at a time (grown when one record is longer).
const BUFFER: usize = 128 * 1024;

/// One record: its fields and the line it starts on.
#[derive(Debug, Clone, Copy)]
pub(super) struct Record<'a> {
    bytes: &'a [u8],
    spans: &'a [(usize, usize)],
    /// The 1-based line of the file the record starts on (the header is line 1 unless blank
    /// lines precede it).
    pub line: u64,
}

impl<'a> Record<'a> {
    /// How many fields the record has.
    pub(super) fn len(&self) -> usize {
        self.spans.len()
    }

    /// Field `index`, unquoted; empty when the record has fewer fields.
    #[inline]
    pub(super) fn field(&self, index: usize) -> &'a [u8] {
        match self.spans.get(index) {
            Some(&(start, end)) => self.bytes.get(start..end).unwrap_or_default(),
            None => &[],
        }
    }

    /// Every field, in order.
    pub(super) fn fields(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        (0..self.len()).map(|i| self.field(i))
    }
}

/// Where the last record's bytes are.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// In the read buffer, from this offset (fields are ranges relative to it).
    Buffer(usize),
    /// In the scratch buffer (the record had quotes).
    Scratch,
}

/// The quote state machine's states (those of `csv-core` this dialect reaches).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    StartField,
    InField,
    InQuotes,
    /// Just after a closing quote: what follows joins the field unquoted.
    AfterQuotes,
}

/// Records of a byte source, one at a time.
pub(super) struct Records<R> {
    reader: R,
    buf: Vec<u8>,
    /// Unread bytes are `buf[pos..filled]`.
    pos: usize,
    filled: usize,
    eof: bool,
    /// The line of `buf[pos]`.
    line: u64,
    /// Field ranges of the last record.
    spans: Vec<(usize, usize)>,
    /// The last record's unquoted bytes, when it had quotes.
    scratch: Vec<u8>,
    source: Source,
    /// A read error met after some bytes came in, returned by the next read.
    failed: Option<io::Error>,
}

impl<R: Read> Records<R> {
    /// Reads from `reader` (unbuffered is fine: reading is done in large blocks).
    pub(super) fn new(reader: R) -> Records<R> {
        Records::with_buffer(reader, BUFFER)
    }

    /// With a read buffer of `size` bytes to start with (tests use tiny ones, so that
    /// records straddle refills and the buffer grows).
    fn with_buffer(reader: R, size: usize) -> Records<R> {
        Records {
            reader,
            buf: vec![0; size.max(1)],
            pos: 0,
            filled: 0,
            eof: false,
            line: 1,
            spans: Vec::with_capacity(64),
            scratch: Vec::new(),
            source: Source::Buffer(0),
            failed: None,
        }
    }

    /// The next record; `None` at the end of the input.
    pub(super) fn next_record(&mut self) -> io::Result<Option<Record<'_>>> {
        let Some(line) = self.advance()? else {
            return Ok(None);
        };
        let bytes = match self.source {
            Source::Buffer(start) => &self.buf[start..self.pos],
            Source::Scratch => &self.scratch[..],
        };
        Ok(Some(Record {
            bytes,
            spans: &self.spans,
            line,
        }))
    }

    /// Finds the next record and records where it is; returns its line.
    fn advance(&mut self) -> io::Result<Option<u64>> {
        loop {
            // Terminators at the start of a record are blank lines.
            while self.pos < self.filled && matches!(self.buf[self.pos], b'\n' | b'\r') {
                self.line += u64::from(self.buf[self.pos] == b'\n');
                self.pos += 1;
            }
            if self.pos == self.filled {
                if self.eof {
                    return Ok(None);
                }
                self.fill()?;
                continue;
            }
            let rest = &self.buf[self.pos..self.filled];
            let end = match memchr::memchr3(b'\n', b'\r', b'"', rest) {
                Some(i) if rest[i] != b'"' => i,
                Some(_) => match self.quoted()? {
                    Some(line) => return Ok(Some(line)),
                    None => continue,
                },
                None if self.eof => rest.len(),
                None => {
                    self.fill()?;
                    continue;
                }
            };
            let start = self.pos;
            split(&self.buf[start..start + end], &mut self.spans);
            self.source = Source::Buffer(start);
            self.pos = start + end;
            return Ok(Some(self.line));
        }
    }

    /// A record with a quote, through the state machine; `None` when the buffer ended
    /// before the record did (more was read: start again).
    fn quoted(&mut self) -> io::Result<Option<u64>> {
        self.scratch.clear();
        self.spans.clear();
        let (mut state, mut field_start, mut newlines) = (State::StartField, 0, 0);
        let mut i = self.pos;
        loop {
            let Some(&b) = self.buf[..self.filled].get(i) else {
                // The input ends the record.
                if self.eof {
                    break;
                }
                self.fill()?;
                return Ok(None);
            };
            let terminator = b == b'\n' || b == b'\r';
            match state {
                State::InQuotes if b == b'"' => state = State::AfterQuotes,
                State::InQuotes => {
                    newlines += u64::from(b == b'\n');
                    self.scratch.push(b);
                }
                _ if b == b';' => {
                    self.spans.push((field_start, self.scratch.len()));
                    field_start = self.scratch.len();
                    state = State::StartField;
                }
                _ if terminator => break,
                State::StartField if b == b'"' => state = State::InQuotes,
                _ => {
                    self.scratch.push(b);
                    state = State::InField;
                }
            }
            i += 1;
        }
        self.spans.push((field_start, self.scratch.len()));
        self.source = Source::Scratch;
        self.pos = i;
        let line = self.line;
        self.line += newlines;
        Ok(Some(line))
    }

    /// Moves the unread bytes to the front and reads until the buffer is full or the source
    /// ends (growing the buffer when one record fills it); sets `eof` when the source has no
    /// more. Filling the whole buffer is what keeps a long record from being searched again
    /// after every small read: each search that fails is followed by at least a buffer's
    /// worth of new bytes, or by a buffer twice as large.
    fn fill(&mut self) -> io::Result<()> {
        if let Some(error) = self.failed.take() {
            return Err(error);
        }
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.filled, 0);
            self.filled -= self.pos;
            self.pos = 0;
        }
        if self.filled == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        let before = self.filled;
        while self.filled < self.buf.len() {
            match self.reader.read(&mut self.buf[self.filled..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => self.filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // What was read before the failure is handed out first.
                Err(e) if self.filled > before => {
                    self.failed = Some(e);
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// The fields of a record without quotes: ranges between `;`.
#[inline]
fn split(record: &[u8], spans: &mut Vec<(usize, usize)>) {
    spans.clear();
    // Fields are a few bytes long: a plain loop beats a vectorised search per field.
    let mut start = 0;
    for (i, b) in record.iter().enumerate() {
        if *b == b';' {
            spans.push((start, i));
            start = i + 1;
        }
    }
    spans.push((start, record.len()));
}

#[cfg(test)]
mod tests;
