//! The `media` table: what is known about each file in the media folder. The methods'
//! contracts are documented on the facade, [`crate::store::MediaFiles`].

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

use super::{bad_value, ms};
use crate::error::Result;
use crate::model::{Media, MediaKind};

#[derive(Debug)]
pub struct MediaFiles<'c> {
    pub(super) conn: &'c Connection,
}

impl MediaFiles<'_> {
    pub fn record(&self, m: &Media, at: Timestamp) -> Result<()> {
        self.conn.execute(
            "INSERT INTO media (hash, kind, mime, bytes, original_name, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (hash) DO NOTHING",
            params![
                m.hash,
                m.kind.as_str(),
                m.mime,
                m.bytes as i64,
                m.original_name,
                ms(at)
            ],
        )?;
        Ok(())
    }

    pub fn get(&self, hash: &str) -> Result<Option<Media>> {
        Ok(self
            .conn
            .query_row(
                "SELECT hash, kind, mime, bytes, original_name FROM media WHERE hash = ?1",
                [hash],
                row,
            )
            .optional()?)
    }

    pub fn all(&self) -> Result<Vec<Media>> {
        let mut stmt = self.conn.prepare(
            "SELECT hash, kind, mime, bytes, original_name FROM media ORDER BY created_at, hash",
        )?;
        let rows = stmt.query_map([], row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Media> {
    let kind: String = r.get(1)?;
    Ok(Media {
        hash: r.get(0)?,
        kind: MediaKind::parse(&kind).ok_or_else(|| bad_value("media kind", &kind))?,
        mime: r.get(2)?,
        bytes: r.get::<_, i64>(3)? as u64,
        original_name: r.get(4)?,
    })
}
