//! A real Docker Distribution registry (Debian's `docker-registry`) for tests: its own temp
//! storage, a generated config, a free 127.0.0.1 port, optional htpasswd basic auth. Stopped
//! when dropped.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct TestRegistry {
    /// `127.0.0.1:PORT`
    pub addr: String,
    pub dir: tempfile::TempDir,
    config: PathBuf,
    child: Option<Child>,
}

impl TestRegistry {
    pub fn start() -> TestRegistry {
        Self::launch(None, None)
    }

    /// With htpasswd basic auth for `user` / `password`.
    pub fn start_with_auth(user: &str, password: &str) -> TestRegistry {
        Self::launch(Some((user, password)), None)
    }

    /// Serving HTTPS with this PEM certificate (chain) and key.
    pub fn start_tls(cert: &Path, key: &Path) -> TestRegistry {
        Self::launch(None, Some((cert, key)))
    }

    fn launch(auth: Option<(&str, &str)>, tls: Option<(&Path, &Path)>) -> TestRegistry {
        crate::require("docker-registry");
        let dir = tempfile::tempdir().expect("tempdir");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let addr = format!("127.0.0.1:{port}");
        let mut config = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n\
             storage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\n\
             http:\n  addr: {addr}\n  secret: test-only-upload-state-secret\n",
            dir.path().join("data").display()
        );
        if let Some((cert, key)) = tls {
            config.push_str(&format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                cert.display(),
                key.display()
            ));
        }
        if let Some((user, password)) = auth {
            crate::require("htpasswd");
            let file = dir.path().join("htpasswd");
            // -i: the password on stdin, not on htpasswd's command line.
            let mut child = Command::new("htpasswd")
                .args(["-B", "-c", "-i"])
                .arg(&file)
                .arg(user)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("htpasswd");
            child
                .stdin
                .take()
                .unwrap()
                .write_all(password.as_bytes())
                .unwrap();
            assert!(child.wait().unwrap().success(), "htpasswd failed");
            config.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: test\n    path: {}\n",
                file.display()
            ));
        }
        let config_path = dir.path().join("config.yml");
        std::fs::write(&config_path, config).expect("write config");
        let mut r = TestRegistry {
            addr,
            dir,
            config: config_path,
            child: None,
        };
        r.restart();
        r
    }

    /// Starts (again) on the same port and storage.
    pub fn restart(&mut self) {
        self.stop();
        let log = std::fs::File::create(self.dir.path().join("registry.log")).expect("log");
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&self.config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start docker-registry");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.status("/v2/").is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let log = std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default();
        panic!("docker-registry did not come up on {}:\n{log}", self.addr);
    }

    /// SIGKILL: no graceful shutdown, as in a crash.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// The HTTP status of an anonymous GET, or `None` if nothing answers.
    pub fn status(&self, path: &str) -> Option<u16> {
        let mut s = TcpStream::connect(&self.addr).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        write!(s, "GET {path} HTTP/1.0\r\nHost: {}\r\nAccept: application/vnd.oci.image.manifest.v1+json\r\n\r\n", self.addr).ok()?;
        let mut head = [0u8; 12];
        s.read_exact(&mut head).ok()?;
        std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
    }

    /// The storage directory of a repository's uploads (present while an upload is under way).
    pub fn uploads_dir(&self, repo: &str) -> PathBuf {
        self.dir
            .path()
            .join("data/docker/registry/v2/repositories")
            .join(repo)
            .join("_uploads")
    }

    pub fn storage(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        self.stop();
        // A failing test shows what the registry logged (level error: one line per refusal,
        // with the request), so a CI failure says which request and why.
        if std::thread::panicking() {
            let log = std::fs::read_to_string(self.dir.path().join("registry.log"));
            let log = log.unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(20).collect();
            for l in tail.iter().rev() {
                eprintln!("docker-registry {}: {l}", self.addr);
            }
        }
    }
}
