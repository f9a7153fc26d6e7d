//! Whole-workshop exports as one tar archive, written with the `tar` crate: names longer
//! than ustar's 100 bytes (a long workshop slug and board title) are written as GNU long
//! names, which every tar reads, instead of being cut and colliding.

/// A file or folder name for `text` (a title): lowercase letters, digits and dashes,
/// whole words up to 60 characters; `fallback` (an id) when nothing is left.
pub fn file_name(text: &str, fallback: &str) -> String {
    let mut out = String::new();
    for word in text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() && out.len() + 1 + word.len() > 60 {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.extend(word.chars().take(60).map(|c| c.to_ascii_lowercase()));
    }
    if out.is_empty() {
        fallback.to_string()
    } else {
        out
    }
}

/// Builds a tar archive in memory.
pub struct Tar {
    builder: tar::Builder<Vec<u8>>,
}

impl Default for Tar {
    fn default() -> Self {
        let mut builder = tar::Builder::new(Vec::new());
        builder.mode(tar::HeaderMode::Deterministic);
        Tar { builder }
    }
}

impl Tar {
    /// Add a regular file, readable by everyone, modified at `mtime_secs`.
    pub fn file(&mut self, path: &str, data: &[u8], mtime_secs: u64) {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(mtime_secs);
        header.set_entry_type(tar::EntryType::Regular);
        // Writing into memory cannot fail; a path with `..` or an absolute one is refused
        // by the crate, and ours are made from slugs and ids.
        if let Err(e) = self.builder.append_data(&mut header, path, data) {
            tracing::error!(path, error = %e, "could not add a file to the archive");
        }
    }

    /// The archive, with its end blocks.
    pub fn finish(self) -> Vec<u8> {
        self.builder.into_inner().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_names_come_from_titles_in_whole_words() {
        use super::file_name;
        assert_eq!(
            file_name("Demo workshop: Learning Disabilities & Autism", "demo"),
            "demo-workshop-learning-disabilities-autism"
        );
        assert_eq!(
            file_name("Learning, developing and improving across the system", "b"),
            "learning-developing-and-improving-across-the-system"
        );
        assert_eq!(file_name("Ωμέγα", "b-1"), "b-1");
    }

    use super::*;

    #[test]
    fn the_system_tar_reads_long_names_back_without_collisions() {
        let mut t = Tar::default();
        t.file("w/a.txt", b"hello", 1_700_000_000);
        t.file("w/b.csv", "Ωμέγα,1\r\n".as_bytes(), 1_700_000_000);
        // A workshop slug of about 22 characters and long board ids: each board's files
        // differ only after byte 100.
        let stem = format!(
            "cancer-care-spring-a1b2/{}",
            "learning-developing-and-improving-across-the-system-x".repeat(2)
        );
        let long: Vec<String> = ["json", "csv", "md", "svg", "ybin"]
            .iter()
            .map(|ext| format!("{stem}.{ext}"))
            .collect();
        for (i, path) in long.iter().enumerate() {
            assert!(path.len() > 100);
            t.file(path, format!("file {i}").as_bytes(), 1_700_000_000);
        }
        let bytes = t.finish();
        assert_eq!(bytes.len() % 512, 0);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.tar");
        std::fs::write(&path, &bytes).unwrap();
        let out = std::process::Command::new("tar")
            .arg("-xf")
            .arg(&path)
            .arg("-C")
            .arg(dir.path())
            .output()
            .expect("tar runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(std::fs::read(dir.path().join("w/a.txt")).unwrap(), b"hello");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("w/b.csv")).unwrap(),
            "Ωμέγα,1\r\n"
        );
        for (i, p) in long.iter().enumerate() {
            assert_eq!(
                std::fs::read_to_string(dir.path().join(p)).unwrap(),
                format!("file {i}")
            );
        }
    }
}
