//! [`Imaging`] on SQLite: every row of the file read in one read
//! transaction, written back in one write transaction, and SQLite's own
//! checks (`PRAGMA integrity_check`, `PRAGMA foreign_key_check`).

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, TransactionBehavior, params_from_iter};

use super::{Sqlite, schema};
use crate::StoreError;
use crate::image::{self, Image, Imaging, Kind, TABLES, Table, Value};

impl Imaging for Sqlite {
    fn dump(&self) -> Result<Image, StoreError> {
        let err = |e| StoreError::from_sqlite(&self.path, e);
        self.conn.execute_batch("BEGIN DEFERRED").map_err(err)?;
        let image = dump_all(&self.conn, &self.path);
        let _ = self.conn.execute_batch("COMMIT");
        image
    }

    fn restore(&mut self, image: &Image) -> Result<(), StoreError> {
        let path = self.path.clone();
        let err = |e| StoreError::from_sqlite(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let present = dump_all(&tx, &path)?;
        if !present.is_empty() {
            return Err(image::not_empty(&path, &present));
        }
        for t in TABLES {
            insert_rows(&tx, &path, t, image.table(t.name))?;
        }
        tx.commit().map_err(err)
    }

    fn integrity(&self) -> Result<Vec<String>, StoreError> {
        let mut out = pragma_lines(&self.conn, &self.path, "PRAGMA integrity_check")?;
        out.retain(|l| l != "ok");
        let fk = pragma_lines(&self.conn, &self.path, "PRAGMA foreign_key_check")?;
        out.extend(fk);
        Ok(out
            .into_iter()
            .map(|l| format!("SQLite integrity check: {l}"))
            .collect())
    }
}

/// Every table's rows, in key order.
fn dump_all(conn: &Connection, path: &Path) -> Result<Image, StoreError> {
    let mut rows = BTreeMap::new();
    for t in TABLES {
        rows.insert(t.name, dump_table(conn, path, t)?);
    }
    Ok(Image {
        backend: "sqlite",
        schema_version: schema::user_version(conn, path)?,
        rows,
    })
}

/// The stored columns of `t` (SQLite lacks some: their value is 0).
fn stored_columns(t: &Table) -> impl Iterator<Item = &'static str> {
    t.columns.iter().map(|c| c.sqlite).filter(|n| !n.is_empty())
}

fn quoted(name: &str) -> String {
    format!("\"{name}\"")
}

fn dump_table(conn: &Connection, path: &Path, t: &Table) -> Result<Vec<Vec<Value>>, StoreError> {
    let err = |e| StoreError::from_sqlite(path, e);
    let columns: Vec<String> = stored_columns(t).map(quoted).collect();
    let order: Vec<String> = t.columns[..t.key]
        .iter()
        .map(|c| quoted(c.sqlite))
        .collect();
    let sql = format!(
        "SELECT {} FROM {} ORDER BY {}",
        columns.join(", "),
        t.name,
        order.join(", ")
    );
    let mut stmt = conn.prepare(&sql).map_err(err)?;
    let mut rows = stmt.query([]).map_err(err)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(err)? {
        let mut stored = Vec::new();
        for i in 0..columns.len() {
            stored.push(value(r.get_ref(i).map_err(err)?, path, t)?);
        }
        out.push(widen(t, stored));
    }
    Ok(out)
}

/// The stored values of a row with 0 for each column SQLite lacks.
fn widen(t: &Table, stored: Vec<Value>) -> Vec<Value> {
    let mut stored = stored.into_iter();
    t.columns
        .iter()
        .map(|c| match c.sqlite {
            "" => Value::Int(0),
            _ => stored.next().unwrap_or(Value::Null),
        })
        .collect()
}

fn value(v: ValueRef<'_>, path: &Path, t: &Table) -> Result<Value, StoreError> {
    Ok(match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => Value::Int(n),
        ValueRef::Text(b) => Value::Text(String::from_utf8(b.to_vec()).map_err(|_| {
            StoreError::corrupt(path, format!("{}: a text value is not UTF-8", t.name))
        })?),
        ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
        ValueRef::Real(_) => {
            return Err(StoreError::corrupt(
                path,
                format!("{}: a real number where peerwell stores none", t.name),
            ));
        }
    })
}

fn insert_rows(
    conn: &Connection,
    path: &Path,
    t: &Table,
    rows: &[Vec<Value>],
) -> Result<(), StoreError> {
    let err = |e| StoreError::from_sqlite(path, e);
    let columns: Vec<String> = stored_columns(t).map(quoted).collect();
    let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        t.name,
        columns.join(", "),
        marks.join(", ")
    );
    let mut stmt = conn.prepare(&sql).map_err(err)?;
    for row in rows {
        image::check_row(t, row).map_err(|e| StoreError::corrupt(path, e))?;
        let values = t
            .columns
            .iter()
            .zip(row)
            .filter(|(c, _)| !c.sqlite.is_empty())
            .map(|(c, v)| bind(c.kind, v));
        stmt.execute(params_from_iter(values)).map_err(err)?;
    }
    Ok(())
}

fn bind(_kind: Kind, v: &Value) -> ToSqlOutput<'_> {
    ToSqlOutput::Borrowed(match v {
        Value::Null => ValueRef::Null,
        Value::Int(n) => ValueRef::Integer(*n),
        Value::Text(s) => ValueRef::Text(s.as_bytes()),
        Value::Bytes(b) => ValueRef::Blob(b),
    })
}

fn pragma_lines(conn: &Connection, path: &Path, sql: &str) -> Result<Vec<String>, StoreError> {
    let err = |e| StoreError::from_sqlite(path, e);
    let mut stmt = conn.prepare(sql).map_err(err)?;
    let width = stmt.column_count();
    let mut rows = stmt.query([]).map_err(err)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(err)? {
        let cells: Vec<String> = (0..width)
            .map(|i| match r.get_ref(i) {
                Ok(ValueRef::Text(b)) => String::from_utf8_lossy(b).into_owned(),
                Ok(ValueRef::Integer(n)) => n.to_string(),
                _ => String::new(),
            })
            .collect();
        out.push(cells.join(" "));
    }
    Ok(out)
}
