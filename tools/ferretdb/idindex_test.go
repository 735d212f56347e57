// Tests the _id path index keeper on a database file laid out as FerretDB 1.24 lays it out
// (its metadata table, a collection table and FerretDB's own `->"_id"` index).
package main

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func makeFerretLikeDB(t *testing.T, dir string, docs int) string {
	t.Helper()
	file := filepath.Join(dir, "app.sqlite")
	db, err := sql.Open("sqlite", "file:"+file+"?mode=rwc")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stmts := []string{
		`PRAGMA journal_mode=wal`,
		`CREATE TABLE _ferretdb_collections (name TEXT NOT NULL UNIQUE CHECK (name != ''), table_name TEXT NOT NULL UNIQUE CHECK (table_name != ''), settings TEXT NOT NULL CHECK (settings != '')) STRICT`,
		`CREATE TABLE jobs_0001 (_ferretdb_sjson TEXT NOT NULL CHECK(_ferretdb_sjson != '')) STRICT`,
		`CREATE UNIQUE INDEX jobs_0001__id_ ON jobs_0001 (_ferretdb_sjson->"_id")`,
		`INSERT INTO _ferretdb_collections VALUES ('jobs', 'jobs_0001', '{}'), ('gone', 'gone_0002', '{}')`,
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	for i := 0; i < docs; i++ {
		if _, err := db.Exec(`INSERT INTO jobs_0001 VALUES (?)`, fmt.Sprintf(`{"_id":"j%d","n":%d}`, i, i)); err != nil {
			t.Fatal(err)
		}
	}
	return file
}

func TestEnsureIDIndexesOnExistingTable(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	file := makeFerretLikeDB(t, dir, 500)

	before, err := inspectTables(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(before) != 1 || before[0].Collection != "jobs" || before[0].IDIndex {
		t.Fatalf("before: %+v", before)
	}
	// The reason for the keeper: FerretDB's own index does not serve its UPDATE.
	if !strings.HasPrefix(before[0].UpdatePlan, "SCAN") {
		t.Fatalf("expected a scan before, got %q", before[0].UpdatePlan)
	}

	created, err := ensureIDIndexes(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	if len(created) != 1 || created[0] != "jobs_0001" {
		t.Fatalf("created %v, want [jobs_0001] (the table listed but missing is skipped)", created)
	}
	after, err := inspectTables(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	want := "SEARCH jobs_0001 USING INDEX " + idIndexPrefix + "jobs_0001"
	for _, p := range []string{after[0].UpdatePlan, after[0].DeletePlan, after[0].FindPlan} {
		if !strings.HasPrefix(p, want) {
			t.Fatalf("plan %q, want prefix %q", p, want)
		}
	}
	again, err := ensureIDIndexes(ctx, file)
	if err != nil || len(again) != 0 {
		t.Fatalf("second pass created %v (err %v), want nothing", again, err)
	}

	db, err := sql.Open("sqlite", "file:"+file+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n, sum int
	if err := db.QueryRow(`SELECT count(*), sum(_ferretdb_sjson->>'$.n') FROM jobs_0001`).Scan(&n, &sum); err != nil {
		t.Fatal(err)
	}
	if n != 500 || sum != 499*500/2 {
		t.Fatalf("rows changed: %d rows, sum %d", n, sum)
	}
}
