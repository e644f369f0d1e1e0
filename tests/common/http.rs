//! A minimal HTTP/1.1 server on loopback for the download tests.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// What the server answers for one file name.
#[derive(Clone)]
pub enum Reply {
    /// 200 with this body.
    Body(Vec<u8>),
    /// 200 announcing `Content-Length` of the whole body, then only the first half
    /// and the connection closes (an interrupted download).
    Truncated(Vec<u8>),
    /// This status, empty body.
    Status(u16),
}

/// Serves `replies` (by the request path's last segment) on 127.0.0.1 until the test
/// process ends; returns the base URL and the log of requested names.
pub fn serve(replies: BTreeMap<String, Reply>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/datasets/", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let requests = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let _ = answer(stream, &replies, &requests);
        }
    });
    (base, log)
}

fn answer(
    mut stream: TcpStream,
    replies: &BTreeMap<String, Reply>,
    log: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" {
            break;
        }
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let name = path.rsplit('/').next().unwrap_or("").to_string();
    log.lock().unwrap().push(name.clone());
    let head = |status: &str, len: usize| {
        format!("HTTP/1.1 {status}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n")
    };
    match replies.get(&name).cloned().unwrap_or(Reply::Status(404)) {
        Reply::Body(b) => {
            stream.write_all(head("200 OK", b.len()).as_bytes())?;
            stream.write_all(&b)?;
        }
        Reply::Truncated(b) => {
            stream.write_all(head("200 OK", b.len()).as_bytes())?;
            stream.write_all(&b[..b.len() / 2])?;
        }
        Reply::Status(code) => {
            stream.write_all(head(&format!("{code} Error"), 0).as_bytes())?;
        }
    }
    stream.flush()
}
