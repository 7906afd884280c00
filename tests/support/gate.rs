//! A gate in front of the team server, for one laptop: open, it passes bytes both ways; shut,
//! it cuts every connection through it and drops new ones at once, as a laptop that lost its
//! network (or a firewall that blocks the server) sees it. The server itself keeps running for
//! every other laptop.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

pub struct Gate {
    port: u16,
    open: Arc<AtomicBool>,
    through: Arc<Mutex<Vec<TcpStream>>>,
}

impl Gate {
    /// A gate, open, in front of `127.0.0.1:upstream`.
    pub fn start(upstream: u16) -> Gate {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let open = Arc::new(AtomicBool::new(true));
        let through: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (o, t) = (open.clone(), through.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if !o.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    continue;
                };
                {
                    let mut t = t.lock().unwrap();
                    t.push(client.try_clone().unwrap());
                    t.push(server.try_clone().unwrap());
                }
                let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || pipe(client, server));
                std::thread::spawn(move || pipe(s2, c2));
            }
        });
        Gate {
            port,
            open,
            through,
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Cuts every connection through the gate and refuses new ones.
    pub fn shut(&self) {
        self.open.store(false, Ordering::SeqCst);
        for s in self.through.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    pub fn open(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Both);
    let _ = from.shutdown(Shutdown::Both);
}
