//! `cargo xtask bench`: the publish path's speed targets, measured side by side in one run
//! against the real tools (GNU tar/gzip, skopeo, Debian's docker-registry). A benchmark, not a
//! test: it prints figures and exits 0; the targets are printed beside them.

use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::oci::{self, layout::Layout, registry::Registry, Target};

pub mod tlog;
use crate::policy::bundle;

const PASSWORD: &str = "bench-only-password";

pub fn run(mb: usize) -> Result<()> {
    let work = tempfile::tempdir()?;
    let reg = BenchRegistry::start(work.path())?;
    let exe = std::env::current_exe()?;
    let keys = work.path().join("keys");
    println!(
        "target: figures measured on this machine, {} cores",
        num_cores()
    );
    author_loop(&exe)?;

    // 1. Warm policy-bundle of the sample to the local registry.
    let to = format!("{}/bench/constitution:dev", reg.addr);
    let bundle_cmd = || {
        Command::new(&exe)
            // The signing figures without a log: `bench --tlog` measures what the log adds.
            .args([
                "policy-bundle",
                "--json",
                "--tlog-upload=false",
                "--to",
                &to,
                "--keys",
            ])
            .arg(&keys)
            .arg("--out")
            .arg(work.path().join("sample.tar.gz"))
            .env("COSIGN_PASSWORD", PASSWORD)
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
    };
    let first = bundle_cmd()?;
    if !first.status.success() {
        bail!("policy-bundle failed in the benchmark (run it by hand to see why)");
    }
    let mut times = Vec::new();
    let mut last = first;
    for _ in 0..5 {
        let t = Instant::now();
        last = bundle_cmd()?;
        times.push(t.elapsed());
    }
    let report: serde_json::Value = serde_json::from_slice(&last.stdout)?;
    println!(
        "warm policy-bundle (sample → registry), median of 5: {:>8.3} s   target ≤ 0.5 s",
        median(&mut times).as_secs_f64()
    );
    println!(
        "re-push of unchanged sources: blobs uploaded          {:>8}     target 0",
        report["uploaded_blobs"]
    );

    // 2. Packing a generated tree vs GNU tar -czf (gzip -6) and gzip -1.
    let tree = work.path().join("tree");
    let bytes = generate_tree(&tree, mb << 20)?;
    let t = Instant::now();
    let status = Command::new("tar")
        .arg("-czf")
        .arg(work.path().join("gnu.tar.gz"))
        .arg("-C")
        .arg(&tree)
        .arg(".")
        .status()
        .context("run tar")?;
    let gnu = t.elapsed();
    if !status.success() {
        bail!("tar -czf failed");
    }
    let gnu_size = fs::metadata(work.path().join("gnu.tar.gz"))?.len();
    let t = Instant::now();
    let status = Command::new("sh")
        .arg("-c")
        .arg("tar -cf - -C \"$1\" . | gzip -1 > \"$2\"")
        .arg("sh")
        .arg(&tree)
        .arg(work.path().join("gzip1.tar.gz"))
        .status()?;
    let gzip1 = t.elapsed();
    if !status.success() {
        bail!("tar | gzip -1 failed");
    }
    let t = Instant::now();
    let ours = pack(&tree)?;
    let ours_time = t.elapsed();
    println!(
        "packing {:.0} MB: ours {:.3} s, tar -czf {:.3} s, tar|gzip -1 {:.3} s → {:.2}× tar   target ≤ 0.5×",
        bytes as f64 / 1e6,
        ours_time.as_secs_f64(),
        gnu.as_secs_f64(),
        gzip1.as_secs_f64(),
        ours_time.as_secs_f64() / gnu.as_secs_f64()
    );
    println!(
        "  size: ours {} B, gzip -6 {} B ({:+.1}%)   target within +10%",
        ours.len(),
        gnu_size,
        (ours.len() as f64 / gnu_size as f64 - 1.0) * 100.0
    );

    // 2b. OPA's compile-time checks (`policy-check`) over the same generated tree.
    let loaded = crate::policy::tree::PolicyTree::load(&tree)?;
    let t = Instant::now();
    let refused = crate::policy::check::refusals(&loaded);
    println!(
        "checks on {:.0} MB ({} modules): {:.3} s, {} refusals",
        bytes as f64 / 1e6,
        loaded.modules.len(),
        t.elapsed().as_secs_f64(),
        refused.len()
    );
    drop(loaded);

    // 3. Push of the same OCI layout to the same registry: ours vs skopeo copy.
    push_vs_skopeo(work.path(), &reg, &ours)?;
    Ok(())
}

/// Rounds of the push comparison; the median is reported.
const PUSH_ROUNDS: u32 = 6;

/// Pushes the packed layer as an OCI layout, ours against `skopeo copy`, `PUSH_ROUNDS` times,
/// alternating who goes first. Every push sends a blob the registry has never seen, to a new
/// repository: the layer plus an empty gzip member of its own (same content once unpacked,
/// different digest), so neither tool finds the other's upload already stored.
fn push_vs_skopeo(dir: &Path, reg: &BenchRegistry, layer: &[u8]) -> Result<()> {
    let layout_dir = dir.join("layout");
    let mut layout = Layout::new(&layout_dir);
    let config = br#"{"architecture":"","os":"","rootfs":{"type":"layers","diff_ids":[]}}"#;
    oci::ensure_blob(&mut layout, config, &|_| {})?;
    let mut tag = |name: &str, stamp: u32| -> Result<String> {
        let mut unique = layer.to_vec();
        let mut member = flate2::GzBuilder::new()
            .mtime(stamp)
            .write(Vec::new(), flate2::Compression::fast());
        member.flush()?;
        unique.extend_from_slice(&member.finish()?);
        oci::ensure_blob(&mut layout, &unique, &|_| {})?;
        let manifest = oci::Manifest::new(
            oci::Descriptor::of(oci::CONFIG_V1, config),
            vec![oci::Descriptor::of(oci::LAYER_TAR_GZIP, &unique)],
        );
        oci::Store::put_manifest(
            &mut layout,
            name,
            oci::MANIFEST_V1,
            &serde_json::to_vec(&manifest)?,
        )?;
        Ok(name.to_string())
    };
    let mut rounds = Vec::new();
    for i in 0..PUSH_ROUNDS {
        rounds.push((
            tag(&format!("ours{i}"), 2 * i + 1)?,
            tag(&format!("skopeo{i}"), 2 * i + 2)?,
        ));
    }
    let skopeo = |tag: &str| -> Result<Duration> {
        let src = format!("oci:{}:{tag}", layout_dir.display());
        let dest = format!("docker://{}/bench/{tag}:big", reg.addr);
        let t = Instant::now();
        let out = Command::new("skopeo")
            .args(["copy", "-q", "--dest-tls-verify=false", &src, &dest])
            .output()
            .context("run skopeo (apt-get install skopeo)")?;
        let took = t.elapsed();
        if !out.status.success() {
            bail!(
                "skopeo copy failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(took)
    };
    let ours = |tag: &str| -> Result<Duration> {
        let Target::Registry(dest) = Target::parse(&format!("{}/bench/{tag}:big", reg.addr))?
        else {
            bail!("not a registry reference");
        };
        let mut from = Layout::new(&layout_dir);
        let t = Instant::now();
        let net = oci::net::Options {
            plain_http: true,
            ..Default::default()
        };
        let mut registry = Registry::new(&dest, &net)?;
        oci::copy(&mut from, tag, &mut registry, "big", u64::MAX)?;
        Ok(t.elapsed())
    };
    let (mut ours_times, mut skopeo_times) = (Vec::new(), Vec::new());
    for (i, (o, s)) in rounds.iter().enumerate() {
        if i % 2 == 0 {
            skopeo_times.push(skopeo(s)?);
            ours_times.push(ours(o)?);
        } else {
            ours_times.push(ours(o)?);
            skopeo_times.push(skopeo(s)?);
        }
    }
    let list = |t: &[Duration]| {
        t.iter()
            .map(|d| format!("{:.3}", d.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let each = format!("ours {}; skopeo {}", list(&ours_times), list(&skopeo_times));
    let (o, s) = (median(&mut ours_times), median(&mut skopeo_times));
    println!(
        "push of a {:.1} MB layout, median of {PUSH_ROUNDS}: ours {:.3} s, skopeo copy {:.3} s → {:.2}×   target ≤ 1.0×",
        layer.len() as f64 / 1e6,
        o.as_secs_f64(),
        s.as_secs_f64(),
        o.as_secs_f64() / s.as_secs_f64()
    );
    println!("  each round (s): {each}");
    Ok(())
}

/// What `policy-build` does after its checks: read the files, tar, gzip.
fn pack(dir: &Path) -> Result<Vec<u8>> {
    let mut files = Vec::new();
    collect(dir, dir, &mut files)?;
    files.sort_by(|a, b| a.0.cmp(&b.0));
    bundle::gzip(&bundle::tar_bytes(&files)?, bundle::GZIP_LEVEL)
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) -> Result<()> {
    for e in fs::read_dir(dir)? {
        let path = e?.path();
        if path.is_dir() {
            collect(root, &path, out)?;
        } else {
            let rel = path.strip_prefix(root)?.to_string_lossy().into_owned();
            out.push((format!("/{rel}"), fs::read(&path)?));
        }
    }
    Ok(())
}

/// About `target` bytes of Rego and JSON, with realistic redundancy (identifiers repeat, values
/// vary), from a fixed seed so every run measures the same tree.
fn generate_tree(dir: &Path, target: usize) -> Result<usize> {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let words = [
        "allow",
        "deny",
        "input",
        "change",
        "path",
        "image",
        "container",
        "namespace",
        "label",
        "owner",
        "tier",
        "workflow",
        "digest",
        "registry",
        "securityContext",
        "runAsNonRoot",
    ];
    let mut written = 0;
    let mut i = 0;
    while written < target {
        let pkg = format!("gen/p{:03}", i % 200);
        fs::create_dir_all(dir.join(&pkg))?;
        let mut text = format!("package gen.p{:03}.m{i}\n\nimport rego.v1\n\n", i % 200);
        for r in 0..40 {
            let (a, b) = (words[next() as usize % 16], words[next() as usize % 16]);
            text.push_str(&format!(
                "{a}_{r} contains msg if {{\n\tsome x in input.{b}s\n\tx.{a} == \"{:08x}\"\n\tmsg := sprintf(\"%s: {b} %v\", [x.name, {}])\n}}\n\n",
                next() as u32,
                next() % 1000
            ));
        }
        fs::write(dir.join(&pkg).join(format!("m{i}.rego")), &text)?;
        written += text.len();
        let mut data = String::from("{\"items\": [");
        for k in 0..120 {
            if k > 0 {
                data.push(',');
            }
            data.push_str(&format!(
                "{{\"name\": \"{}-{:06x}\", \"{}\": {}, \"tags\": [\"{}\", \"{}\"]}}",
                words[next() as usize % 16],
                next() as u32 & 0xffffff,
                words[next() as usize % 16],
                next() % 100000,
                words[next() as usize % 16],
                words[next() as usize % 16]
            ));
        }
        data.push_str("]}");
        fs::write(dir.join(&pkg).join(format!("d{i}.json")), &data)?;
        written += data.len();
        i += 1;
    }
    Ok(written)
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn num_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Debian's docker-registry on a free loopback port with storage under `dir`.
struct BenchRegistry {
    addr: String,
    child: Child,
}

impl BenchRegistry {
    fn start(dir: &Path) -> Result<BenchRegistry> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let addr = format!("127.0.0.1:{port}");
        let config = dir.join("registry.yml");
        fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n\
                 storage:\n  filesystem:\n    rootdirectory: {}\n\
                 http:\n  addr: {addr}\n  secret: bench-only\n",
                dir.join("registry").display()
            ),
        )?;
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("start docker-registry (apt-get install docker-registry)")?;
        let reg = BenchRegistry { addr, child };
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(mut s) = TcpStream::connect(&reg.addr) {
                let _ = write!(s, "GET /v2/ HTTP/1.0\r\n\r\n");
                let mut head = [0u8; 12];
                if s.read_exact(&mut head).is_ok() {
                    return Ok(reg);
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        bail!("docker-registry did not start on {}", reg.addr)
    }
}

impl Drop for BenchRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The policy author's loop on the sample: `policy-test --coverage` against plain `policy-test`,
/// and a warm `policy-eval` of the Runner's query, each the median of several process runs.
fn author_loop(exe: &Path) -> Result<()> {
    let dir = Path::new(crate::DEFAULT_POLICY_DIR);
    if !dir.is_dir() {
        println!(
            "policy-test/policy-eval: skipped ({} not found here)",
            dir.display()
        );
        return Ok(());
    }
    let input = tempfile::NamedTempFile::new()?;
    fs::write(
        input.path(),
        br#"{"proposal": {"tier": "standard", "changes": [{"path": "apps/../x", "content": ""}]}}"#,
    )?;
    let time = |args: &[&std::ffi::OsStr], n: usize| -> Result<Duration> {
        let mut times = Vec::new();
        for _ in 0..n + 1 {
            let t = Instant::now();
            let out = Command::new(exe)
                .args(args)
                .stdin(Stdio::null())
                .output()
                .context("run xtask")?;
            if !out.status.success() {
                bail!("xtask {args:?} failed in the benchmark");
            }
            times.push(t.elapsed());
        }
        times.remove(0); // the first run warms the page cache
        Ok(median(&mut times))
    };
    let os = |s: &'static str| std::ffi::OsStr::new(s);
    let plain = time(&[os("policy-test")], 5)?;
    let covered = time(&[os("policy-test"), os("--coverage")], 5)?;
    println!(
        "policy-test --coverage vs policy-test (sample), median of 5: {:.3} s vs {:.3} s → {:.2}×   target ≤ 2×",
        covered.as_secs_f64(),
        plain.as_secs_f64(),
        covered.as_secs_f64() / plain.as_secs_f64()
    );
    let eval = time(
        &[
            os("policy-eval"),
            os("--input"),
            input.path().as_os_str(),
            os("data.constitution.decision"),
        ],
        10,
    )?;
    println!(
        "warm policy-eval data.constitution.decision (sample), median of 10: {:>6.1} ms   target < 50 ms",
        eval.as_secs_f64() * 1000.0
    );
    Ok(())
}
