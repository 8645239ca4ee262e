//! A bounded tar reader for bundles of outside origin: reads the raw 512-byte headers itself so
//! that every byte it buffers (GNU `L`/`K` long names, PAX `x`/`g` records) is counted against
//! the limits before anything is allocated. (The `tar` crate buffers those headers whole: a
//! signed 3 GiB long name took 12.8 GB of memory.) Only what a bundle needs: regular files and
//! directories; everything else is named and refused.

use std::io::{self, Read};

use anyhow::{anyhow, bail, Context, Result};

const BLOCK: usize = 512;

/// What one archive may hold.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Headers of every kind, extension headers included.
    pub entries: usize,
    /// Bytes read from the (decompressed) archive: headers, extension records and contents.
    pub total: u64,
    /// A path or link name (GNU `L`/`K` or PAX `path`/`linkpath`).
    pub name: usize,
    /// One PAX extended header (`x` or `g`).
    pub pax: usize,
}

pub const LIMITS: Limits = Limits {
    entries: 100_000,
    total: 1 << 30,
    name: 4096,
    pax: 64 << 10,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
}

/// One regular file or directory, with its final name (long names applied); its contents
/// come as the reader beside it.
#[derive(Debug)]
pub struct Entry {
    pub path: String,
    pub kind: Kind,
}

/// Calls `each` for every file and directory in the archive, in order, with a reader of exactly
/// the entry's contents. Stops at the first error (from the archive or from `each`).
pub fn for_each<R: Read>(
    input: R,
    limits: Limits,
    mut each: impl FnMut(&Entry, &mut dyn Read) -> Result<()>,
) -> Result<()> {
    let mut r = Counted {
        inner: input,
        read: 0,
        limit: limits.total,
    };
    let mut long_name: Option<String> = None;
    let mut long_link = false;
    let mut pax_size: Option<u64> = None;
    let mut headers = 0usize;
    loop {
        let mut block = [0u8; BLOCK];
        if !read_block(&mut r, &mut block)? {
            return Ok(()); // end of stream without the two zero blocks: accepted, as tar does
        }
        if block.iter().all(|&b| b == 0) {
            return Ok(());
        }
        headers += 1;
        if headers > limits.entries {
            bail!("more than {} entries", limits.entries);
        }
        check_checksum(&block)?;
        let flag = block[156];
        let size = match pax_size.take() {
            Some(s) => s,
            None => header_size(&block)?,
        };
        let name = match long_name.take() {
            Some(n) => n,
            None => header_name(&block)?,
        };
        let had_link = std::mem::take(&mut long_link);
        match flag {
            b'L' | b'K' => {
                let what = if flag == b'L' { "name" } else { "link name" };
                // The name and its terminating NUL.
                if size > limits.name as u64 + 1 {
                    bail!(
                        "a GNU long {what} of {size} bytes is over the {}-byte limit",
                        limits.name
                    );
                }
                let raw = read_padded(&mut r, size)?;
                let text = utf8(trim_nul(&raw), what)?;
                if flag == b'L' {
                    long_name = Some(text);
                } else {
                    long_link = true;
                }
            }
            b'x' | b'g' => {
                if size > limits.pax as u64 {
                    bail!(
                        "a PAX header of {size} bytes is over the {}-byte limit",
                        limits.pax
                    );
                }
                let raw = read_padded(&mut r, size)?;
                // Global (`g`) records are read and counted, never applied: a bundle has no use
                // for them.
                if flag == b'x' {
                    for (key, value) in pax_records(&raw)? {
                        match key {
                            "path" => {
                                if value.len() > limits.name {
                                    bail!(
                                        "a PAX path of {} bytes is over the {}-byte limit",
                                        value.len(),
                                        limits.name
                                    );
                                }
                                long_name = Some(utf8(value, "PAX path")?);
                            }
                            "linkpath" => {
                                if value.len() > limits.name {
                                    bail!(
                                        "a PAX link name of {} bytes is over the {}-byte limit",
                                        value.len(),
                                        limits.name
                                    );
                                }
                                long_link = true;
                            }
                            "size" => {
                                let s = std::str::from_utf8(value)
                                    .ok()
                                    .and_then(|s| s.parse::<u64>().ok())
                                    .ok_or_else(|| anyhow!("corrupt tar: bad PAX size"))?;
                                pax_size = Some(s);
                            }
                            _ => {}
                        }
                    }
                }
            }
            b'0' | b'\0' | b'7' | b'5' => {
                let kind = if flag == b'5' { Kind::Dir } else { Kind::File };
                if had_link {
                    bail!("{name}: a link name on a {kind:?} entry is refused");
                }
                if r.read.saturating_add(size) > limits.total {
                    bail!("unpacked size over the {}-byte limit", limits.total);
                }
                let entry = Entry { path: name, kind };
                let mut body = (&mut r).take(size);
                each(&entry, &mut body)?;
                // Whatever `each` left unread, then the padding.
                io::copy(&mut body, &mut io::sink()).context("corrupt tar")?;
                if body.limit() != 0 {
                    bail!("corrupt tar: {} is cut short", entry.path);
                }
                skip(&mut r, padding(size))?;
            }
            other => bail!(
                "{name}: {} entries are refused (only regular files and directories)",
                kind_name(other)
            ),
        }
    }
}

/// Counts every byte read against the limit, failing as soon as it is passed.
struct Counted<R> {
    inner: R,
    read: u64,
    limit: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let room = self.limit.saturating_sub(self.read).saturating_add(1);
        let want = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.read += n as u64;
        if self.read > self.limit {
            return Err(io::Error::other(format!(
                "unpacked size over the {}-byte limit",
                self.limit
            )));
        }
        Ok(n)
    }
}

/// A whole block, or `false` at a clean end of stream.
fn read_block(r: &mut impl Read, block: &mut [u8; BLOCK]) -> Result<bool> {
    let mut got = 0;
    while got < BLOCK {
        match r.read(&mut block[got..]) {
            Ok(0) if got == 0 => return Ok(false),
            Ok(0) => bail!("corrupt tar: a header is cut short"),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(anyhow!("corrupt tar: {e}")),
        }
    }
    Ok(true)
}

/// Reads `size` bytes (already bounded by the caller) and the padding after them.
fn read_padded(r: &mut impl Read, size: u64) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; usize::try_from(size).context("entry size")?];
    r.read_exact(&mut buf)
        .map_err(|e| anyhow!("corrupt tar: {e}"))?;
    skip(r, padding(size))?;
    Ok(buf)
}

fn skip(r: &mut impl Read, n: u64) -> Result<()> {
    let copied =
        io::copy(&mut r.take(n), &mut io::sink()).map_err(|e| anyhow!("corrupt tar: {e}"))?;
    if copied != n {
        bail!("corrupt tar: cut short");
    }
    Ok(())
}

fn padding(size: u64) -> u64 {
    (BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64
}

fn check_checksum(block: &[u8; BLOCK]) -> Result<()> {
    let stored =
        octal(&block[148..156]).ok_or_else(|| anyhow!("corrupt tar: bad header checksum field"))?;
    let sum: u64 = block
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                b as u64
            }
        })
        .sum();
    if stored != sum {
        bail!("corrupt tar: header checksum mismatch");
    }
    Ok(())
}

/// The size field: octal, or GNU's base-256 (high bit set) for sizes over 8 GiB.
fn header_size(block: &[u8; BLOCK]) -> Result<u64> {
    let field = &block[124..136];
    if field[0] & 0x80 != 0 {
        let mut v: u64 = (field[0] & 0x7f) as u64;
        for &b in &field[1..] {
            v = v
                .checked_mul(256)
                .and_then(|v| v.checked_add(b as u64))
                .ok_or_else(|| anyhow!("corrupt tar: size overflows"))?;
        }
        return Ok(v);
    }
    octal(field).ok_or_else(|| anyhow!("corrupt tar: bad size field"))
}

/// An octal number field (NUL- or space-terminated, leading spaces allowed).
fn octal(field: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(field).ok()?;
    let text = text.trim_matches(|c: char| c == '\0' || c == ' ');
    if text.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(text, 8).ok()
}

/// The name field, with the ustar prefix when there is one.
fn header_name(block: &[u8; BLOCK]) -> Result<String> {
    let name = trim_nul(&block[..100]);
    let ustar = &block[257..262] == b"ustar" && block[262] == 0;
    let prefix = if ustar {
        trim_nul(&block[345..500])
    } else {
        &[]
    };
    let full = if prefix.is_empty() {
        name.to_vec()
    } else {
        [prefix, b"/", name].concat()
    };
    utf8(&full, "entry name")
}

fn trim_nul(b: &[u8]) -> &[u8] {
    match b.iter().position(|&c| c == 0) {
        Some(i) => &b[..i],
        None => b,
    }
}

fn utf8(b: &[u8], what: &str) -> Result<String> {
    String::from_utf8(b.to_vec()).map_err(|_| anyhow!("an {what} is not UTF-8"))
}

/// PAX records: `LEN KEY=VALUE\n`, LEN counting the whole record.
fn pax_records(raw: &[u8]) -> Result<Vec<(&str, &[u8])>> {
    let bad = || anyhow!("corrupt tar: bad PAX record");
    let mut out = Vec::new();
    let mut rest = raw;
    while !rest.is_empty() {
        if rest.iter().all(|&b| b == 0) {
            break;
        }
        let space = rest.iter().position(|&b| b == b' ').ok_or_else(bad)?;
        let len: usize = std::str::from_utf8(&rest[..space])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(bad)?;
        if len <= space + 1 || len > rest.len() || rest[len - 1] != b'\n' {
            return Err(bad());
        }
        let record = &rest[space + 1..len - 1];
        let eq = record.iter().position(|&b| b == b'=').ok_or_else(bad)?;
        let key = std::str::from_utf8(&record[..eq]).map_err(|_| bad())?;
        out.push((key, &record[eq + 1..]));
        rest = &rest[len..];
    }
    Ok(out)
}

fn kind_name(flag: u8) -> String {
    match flag {
        b'1' => "Link".into(),
        b'2' => "Symlink".into(),
        b'3' => "Char".into(),
        b'4' => "Block".into(),
        b'6' => "Fifo".into(),
        b'S' => "GNU sparse".into(),
        b'V' => "GNU volume label".into(),
        b'M' => "GNU multi-volume".into(),
        c if c.is_ascii_graphic() => format!("type '{}'", c as char),
        c => format!("type {c:#04x}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(name: &str, flag: u8, size: u64) -> [u8; BLOCK] {
        let mut h = tar::Header::new_ustar();
        h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
        h.set_entry_type(tar::EntryType::new(flag));
        h.set_size(size);
        h.set_mode(0o644);
        h.set_cksum();
        *h.as_bytes()
    }

    fn list(bytes: &[u8], limits: Limits) -> Result<Vec<(String, Kind, Vec<u8>)>> {
        let mut out = Vec::new();
        for_each(bytes, limits, |e, body| {
            let mut b = Vec::new();
            body.read_to_end(&mut b)?;
            out.push((e.path.clone(), e.kind, b));
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn reads_what_the_tar_crate_and_our_builder_write() {
        let long = format!("/{}/x.rego", "d".repeat(150));
        let files = vec![
            ("/.manifest".to_string(), b"{}".to_vec()),
            (long.clone(), b"package x".to_vec()),
        ];
        let tar = crate::policy::bundle::tar_bytes(&files).unwrap();
        let got = list(&tar, LIMITS).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].0, long);
        assert_eq!(got[1].2, b"package x");

        // PAX path and a directory, as Go's archive/tar writes them.
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_path("dir/").unwrap();
        h.set_size(0);
        h.set_cksum();
        b.append(&h, io::empty()).unwrap();
        let pax_name = format!("dir/{}", "p".repeat(300));
        b.append_pax_extensions([("path", pax_name.as_bytes())])
            .unwrap();
        let mut h = tar::Header::new_ustar();
        h.set_path("dir/short").unwrap();
        h.set_size(3);
        h.set_cksum();
        b.append(&h, &b"abc"[..]).unwrap();
        let tar = b.into_inner().unwrap();
        let got = list(&tar, LIMITS).unwrap();
        assert_eq!(got[0].1, Kind::Dir);
        assert_eq!(
            (got[1].0.as_str(), got[1].2.as_slice()),
            (pax_name.as_str(), &b"abc"[..])
        );
    }

    #[test]
    fn extension_headers_are_bounded_before_they_are_read() {
        // The stream claims a 3 GiB long name but holds nothing after the header: refused on
        // the size alone, nothing read or allocated.
        for (flag, want) in [
            (b'L', "GNU long name of 3221225472 bytes"),
            (b'K', "GNU long link name of 3221225472 bytes"),
            (b'x', "PAX header of 3221225472 bytes"),
            (b'g', "PAX header of 3221225472 bytes"),
        ] {
            let h = header("././@LongLink", flag, 3 << 30);
            let err = list(&h, LIMITS).unwrap_err().to_string();
            assert!(err.contains(want), "{err}");
        }
        let body = format!(" path={}\n", "a".repeat(5000));
        let record = format!("{}{body}", body.len() + 4);
        let mut pax = header("pax", b'x', record.len() as u64).to_vec();
        pax.extend_from_slice(record.as_bytes());
        pax.resize(pax.len().div_ceil(BLOCK) * BLOCK, 0);
        let err = list(&pax, LIMITS).unwrap_err().to_string();
        assert!(err.contains("PAX path of 5000 bytes"), "{err}");
    }

    #[test]
    fn totals_entries_and_kinds_are_limited() {
        let mut tar = Vec::new();
        for i in 0..5 {
            tar.extend_from_slice(&header(&format!("f{i}"), b'0', 0));
        }
        let few = Limits {
            entries: 4,
            ..LIMITS
        };
        assert!(list(&tar, few)
            .unwrap_err()
            .to_string()
            .contains("more than 4 entries"));
        let mut big = header("big", b'0', 2000).to_vec();
        big.resize(BLOCK + 2048, 1);
        let small = Limits {
            total: 1500,
            ..LIMITS
        };
        assert!(list(&big, small)
            .unwrap_err()
            .to_string()
            .contains("unpacked size over"));
        let err = list(&header("l", b'2', 0), LIMITS).unwrap_err().to_string();
        assert!(err.contains("l: Symlink entries are refused"), "{err}");
        let mut bad = header("x", b'0', 0);
        bad[0] ^= 1;
        assert!(list(&bad, LIMITS)
            .unwrap_err()
            .to_string()
            .contains("checksum"));
        let cut = header("x", b'0', 100);
        assert!(list(&cut, LIMITS)
            .unwrap_err()
            .to_string()
            .contains("cut short"));
    }
}
