//! [`Imaging`] on PostgreSQL: every row read in one `REPEATABLE READ`
//! snapshot (times as Unix seconds), written back in one transaction that
//! first locks every state table and finds them empty, and the checks the
//! database needs beside the rows: a known schema version, every table,
//! the lease row.

use std::collections::BTreeMap;

use postgres::Client;
use postgres::types::ToSql;

use super::connect::pg_error;
use super::target::PgTarget;
use super::{Postgres, atomic, schema};
use crate::StoreError;
use crate::image::{self, Image, Imaging, Kind, TABLES, Table, Value};

impl Imaging for Postgres {
    fn dump(&self) -> Result<Image, StoreError> {
        if self.empty {
            return Ok(empty_image(0));
        }
        let mut client = self.client_ref()?;
        let target = &self.target;
        let err = |e| pg_error(target, &e);
        client
            .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .map_err(err)?;
        let image = dump_all(&mut client, target);
        let _ = client.batch_execute("COMMIT");
        image
    }

    fn restore(&mut self, image: &Image) -> Result<(), StoreError> {
        if self.read_only || self.empty {
            return Err(StoreError::ReadOnly {
                path: self.path.clone(),
                detail: "the database was opened for reading only".to_string(),
            });
        }
        let target = self.target.clone();
        let client = self.client_mut()?;
        atomic(client, &target, |c| restore_in(c, &target, image))
    }

    fn integrity(&self) -> Result<Vec<String>, StoreError> {
        if self.empty {
            return Ok(vec![
                "the database holds no peerwell schema (version 0)".to_string(),
            ]);
        }
        let mut client = self.client_ref()?;
        database_problems(&mut client, &self.target)
    }
}

fn empty_image(schema_version: i64) -> Image {
    Image {
        backend: "postgres",
        schema_version,
        rows: TABLES.iter().map(|t| (t.name, Vec::new())).collect(),
    }
}

fn dump_all(client: &mut Client, target: &PgTarget) -> Result<Image, StoreError> {
    let mut image = empty_image(schema::version(client, target)?);
    let mut rows = BTreeMap::new();
    for t in TABLES {
        rows.insert(t.name, dump_table(client, target, t)?);
    }
    image.rows = rows;
    Ok(image)
}

fn select_expr(name: &str, kind: Kind) -> String {
    match kind {
        Kind::Int => format!("{name}::bigint"),
        Kind::Time => format!("extract(epoch FROM {name})::bigint"),
        Kind::Text | Kind::Bytes => name.to_string(),
    }
}

fn dump_table(
    client: &mut Client,
    target: &PgTarget,
    t: &Table,
) -> Result<Vec<Vec<Value>>, StoreError> {
    let columns: Vec<String> = t
        .columns
        .iter()
        .map(|c| select_expr(c.pg, c.kind))
        .collect();
    let order: Vec<String> = t.columns[..t.key]
        .iter()
        .map(|c| match c.kind {
            Kind::Text => format!("{} COLLATE \"C\"", c.pg),
            _ => c.pg.to_string(),
        })
        .collect();
    let sql = format!(
        "SELECT {} FROM {} ORDER BY {}",
        columns.join(", "),
        t.pg,
        order.join(", ")
    );
    let rows = client.query(&sql, &[]).map_err(|e| pg_error(target, &e))?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let mut row = Vec::with_capacity(t.columns.len());
        for (i, c) in t.columns.iter().enumerate() {
            let v = match c.kind {
                Kind::Int | Kind::Time => r.try_get::<_, Option<i64>>(i).map(|v| v.map(Value::Int)),
                Kind::Text => r
                    .try_get::<_, Option<String>>(i)
                    .map(|v| v.map(Value::Text)),
                Kind::Bytes => r
                    .try_get::<_, Option<Vec<u8>>>(i)
                    .map(|v| v.map(Value::Bytes)),
            };
            let v = v.map_err(|e| {
                StoreError::corrupt(&target.location(), format!("{}.{}: {e}", t.pg, c.pg))
            })?;
            row.push(v.unwrap_or(Value::Null));
        }
        out.push(row);
    }
    Ok(out)
}

/// Locks every state table, refuses unless all are empty, writes `image`.
fn restore_in(client: &mut Client, target: &PgTarget, image: &Image) -> Result<(), StoreError> {
    let names: Vec<&str> = TABLES.iter().map(|t| t.pg).collect();
    client
        .batch_execute(&format!(
            "LOCK TABLE {} IN EXCLUSIVE MODE",
            names.join(", ")
        ))
        .map_err(|e| pg_error(target, &e))?;
    let present = dump_all(client, target)?;
    if !present.is_empty() {
        return Err(image::not_empty(&target.location(), &present));
    }
    for t in TABLES {
        insert_rows(client, target, t, image.table(t.name))?;
    }
    Ok(())
}

fn bind_expr(i: usize, kind: Kind) -> String {
    match kind {
        Kind::Int => format!("${i}::bigint"),
        Kind::Time => format!("to_timestamp(${i}::bigint)"),
        Kind::Text => format!("${i}::text"),
        Kind::Bytes => format!("${i}::bytea"),
    }
}

fn param(kind: Kind, v: &Value) -> Box<dyn ToSql + Sync + '_> {
    match (kind, v) {
        (Kind::Int | Kind::Time, Value::Int(n)) => Box::new(*n),
        (Kind::Int | Kind::Time, _) => Box::new(None::<i64>),
        (Kind::Text, Value::Text(s)) => Box::new(s.as_str()),
        (Kind::Text, _) => Box::new(None::<String>),
        (Kind::Bytes, Value::Bytes(b)) => Box::new(b.as_slice()),
        (Kind::Bytes, _) => Box::new(None::<Vec<u8>>),
    }
}

fn insert_rows(
    client: &mut Client,
    target: &PgTarget,
    t: &Table,
    rows: &[Vec<Value>],
) -> Result<(), StoreError> {
    let err = |e| pg_error(target, &e);
    let columns: Vec<&str> = t.columns.iter().map(|c| c.pg).collect();
    let values: Vec<String> = t
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| bind_expr(i + 1, c.kind))
        .collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        t.pg,
        columns.join(", "),
        values.join(", ")
    );
    let stmt = client.prepare(&sql).map_err(err)?;
    for row in rows {
        image::check_row(t, row).map_err(|e| StoreError::corrupt(&target.location(), e))?;
        let params: Vec<Box<dyn ToSql + Sync + '_>> = t
            .columns
            .iter()
            .zip(row)
            .map(|(c, v)| param(c.kind, v))
            .collect();
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref()).collect();
        client.execute(&stmt, &refs).map_err(err)?;
    }
    Ok(())
}

/// A known schema version, every table, the lease row.
fn database_problems(client: &mut Client, target: &PgTarget) -> Result<Vec<String>, StoreError> {
    let version = schema::version(client, target)?;
    let mut out = Vec::new();
    if !(1..=schema::VERSION).contains(&version) {
        out.push(format!(
            "schema version {version} is not one this peerwell knows (1 to {})",
            schema::VERSION
        ));
        return Ok(out);
    }
    if let Err(e) = schema::verify_tables(client, target) {
        out.push(match e {
            StoreError::Corrupt { detail, .. } => detail,
            other => return Err(other),
        });
        return Ok(out);
    }
    let leases: i64 = client
        .query_one("SELECT count(*) FROM peerwell_lease WHERE id = 1", &[])
        .map_err(|e| pg_error(target, &e))?
        .get(0);
    if leases != 1 {
        out.push("peerwell_lease: the lease row is missing".to_string());
    }
    Ok(out)
}

impl Postgres {
    /// Who holds the writers' lease while it is unexpired by the
    /// database's clock (a `peerwell serve` leading on this state), if
    /// anyone: a state being copied must have no leader.
    pub fn lease_holder(&self) -> Result<Option<String>, StoreError> {
        if self.empty {
            return Ok(None);
        }
        let row = self
            .client_ref()?
            .query_opt(
                "SELECT holder FROM peerwell_lease WHERE id = 1 AND expires_at > now() \
                 AND generation > 0",
                &[],
            )
            .map_err(|e| pg_error(&self.target, &e))?;
        Ok(row.map(|r| r.get(0)))
    }
}
