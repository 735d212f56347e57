// Keeps one extra index per FerretDB collection table on exactly (_ferretdb_sjson->'$._id'),
// through this process's own SQLite connections to the same database files.
//
// Why: FerretDB 1.24 indexes `_ferretdb_sjson->"_id"` but its UPDATE, DELETE and _id finds say
// `WHERE _ferretdb_sjson->'$._id' = ?`. SQLite matches an expression index only when the
// expression is written the same way, so every update or delete by _id scanned the whole table.
// With this index the plan becomes `SEARCH … USING INDEX`. FerretDB never sees the index (its
// index list lives in `_ferretdb_collections.settings`), and DROP TABLE removes it with the table.
package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the same pure-Go driver FerretDB itself uses
)

// idIndexPrefix: FerretDB never names a table (so never one of its indexes, named
// "<table>_<index>") with its reserved prefix, so these names cannot collide with its own.
const idIndexPrefix = "_ferretdb_idpath_"

// idPathExpr is the exact expression FerretDB's UPDATE/DELETE/SELECT use for `_id`.
const idPathExpr = `_ferretdb_sjson->'$._id'`

// busyTimeoutMs: FerretDB's writers wait up to 10 s for a lock; ours waits as long, so an index
// build queues behind their writes instead of failing, and never holds a lock while waiting.
const busyTimeoutMs = 10_000

// databaseFiles lists FerretDB's database files (one per MongoDB database) in dir.
func databaseFiles(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.sqlite"))
	sort.Strings(files)
	return files, err
}

// openDatabase opens an existing database file; mode=rw never creates a file that FerretDB
// dropped meanwhile. Each pass opens and closes its own connection, so a dropped database's
// file is never held open for long.
func openDatabase(file string, readOnly bool) (*sql.DB, error) {
	mode := "rw"
	if readOnly {
		mode = "ro"
	}
	q := url.Values{}
	q.Set("mode", mode)
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMs))
	db, err := sql.Open("sqlite", "file:"+file+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// ensureIDIndexes creates the missing _id path indexes in one database file and returns the
// tables it indexed. Cheap when nothing is missing: one query over two small catalog tables.
func ensureIDIndexes(ctx context.Context, file string) ([]string, error) {
	db, err := openDatabase(file, false)
	if err != nil {
		return nil, err
	}
	defer db.Close()

	rows, err := db.QueryContext(ctx,
		`SELECT c.table_name FROM _ferretdb_collections c
		 WHERE EXISTS (SELECT 1 FROM sqlite_master t WHERE t.type = 'table' AND t.name = c.table_name)
		   AND NOT EXISTS (SELECT 1 FROM sqlite_master i WHERE i.type = 'index' AND i.name = ? || c.table_name)`,
		idIndexPrefix)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return nil, nil // a database file FerretDB has not finished creating
		}
		return nil, err
	}
	var missing []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return nil, err
		}
		missing = append(missing, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	var created []string
	for _, t := range missing {
		// IF NOT EXISTS: a second wrapper process or a race with ourselves is harmless.
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (%s)`, idIndexPrefix+t, t, idPathExpr)
		if _, err := db.ExecContext(ctx, q); err != nil {
			if strings.Contains(err.Error(), "no such table") {
				continue // dropped between the query and now
			}
			return created, fmt.Errorf("%s: %w", t, err)
		}
		created = append(created, t)
	}
	return created, nil
}

// ensureAllIDIndexes runs ensureIDIndexes over every database file in dir; a failure in
// one file is logged and does not stop the others.
func ensureAllIDIndexes(ctx context.Context, dir string, l *slog.Logger) {
	files, err := databaseFiles(dir)
	if err != nil {
		l.Warn("id index: listing database files failed", slog.String("error", err.Error()))
		return
	}
	for _, f := range files {
		created, err := ensureIDIndexes(ctx, f)
		for _, t := range created {
			l.Info("id index created", slog.String("database", filepath.Base(f)), slog.String("table", t))
		}
		if err != nil && ctx.Err() == nil && !os.IsNotExist(err) {
			l.Warn("id index: pass failed", slog.String("database", filepath.Base(f)), slog.String("error", err.Error()))
		}
	}
}

// keepIDIndexes repeats ensureAllIDIndexes every interval until ctx ends, so a new
// collection gets its index within about one interval.
func keepIDIndexes(ctx context.Context, dir string, every time.Duration, l *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			ensureAllIDIndexes(ctx, dir, l)
		}
	}
}

// tableReport is what -inspect prints per collection table (one JSON object a line).
type tableReport struct {
	Database   string `json:"database"`
	Collection string `json:"collection"`
	Table      string `json:"table"`
	IDIndex    bool   `json:"idIndex"`
	UpdatePlan string `json:"updatePlan"`
	DeletePlan string `json:"deletePlan"`
	FindPlan   string `json:"findPlan"`
}

// inspectTables reports, read-only, whether each table has the index and how SQLite plans
// FerretDB's own UPDATE, DELETE and SELECT by _id (the statements in its sqlite backend).
func inspectTables(ctx context.Context, dir string) ([]tableReport, error) {
	files, err := databaseFiles(dir)
	if err != nil {
		return nil, err
	}
	var out []tableReport
	for _, f := range files {
		reps, err := inspectDatabase(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Base(f), err)
		}
		out = append(out, reps...)
	}
	return out, nil
}

func inspectDatabase(ctx context.Context, file string) ([]tableReport, error) {
	db, err := openDatabase(file, true)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx,
		`SELECT c.name, c.table_name,
		        EXISTS (SELECT 1 FROM sqlite_master i WHERE i.type = 'index' AND i.name = ? || c.table_name)
		 FROM _ferretdb_collections c
		 WHERE EXISTS (SELECT 1 FROM sqlite_master t WHERE t.type = 'table' AND t.name = c.table_name)
		 ORDER BY c.name`, idIndexPrefix)
	if err != nil {
		return nil, err
	}
	var reps []tableReport
	for rows.Next() {
		r := tableReport{Database: strings.TrimSuffix(filepath.Base(file), ".sqlite")}
		if err := rows.Scan(&r.Collection, &r.Table, &r.IDIndex); err != nil {
			rows.Close()
			return nil, err
		}
		reps = append(reps, r)
	}
	rows.Close()
	for i := range reps {
		t := reps[i].Table
		var err error
		if reps[i].UpdatePlan, err = queryPlan(ctx, db, fmt.Sprintf(`UPDATE %q SET _ferretdb_sjson = ? WHERE %s = ?`, t, idPathExpr)); err != nil {
			return nil, err
		}
		if reps[i].DeletePlan, err = queryPlan(ctx, db, fmt.Sprintf(`DELETE FROM %q WHERE %s IN (?)`, t, idPathExpr)); err != nil {
			return nil, err
		}
		if reps[i].FindPlan, err = queryPlan(ctx, db, fmt.Sprintf(`SELECT _ferretdb_sjson FROM %q WHERE %s = ?`, t, idPathExpr)); err != nil {
			return nil, err
		}
	}
	return reps, nil
}

// queryPlan returns EXPLAIN QUERY PLAN's detail lines joined by "; ".
func queryPlan(ctx context.Context, db *sql.DB, stmt string) (string, error) {
	args := make([]any, strings.Count(stmt, "?"))
	for i := range args {
		args[i] = `"x"`
	}
	rows, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+stmt, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var details []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			return "", err
		}
		details = append(details, detail)
	}
	return strings.Join(details, "; "), rows.Err()
}
