// Command ferretdb runs FerretDB v1.24 (MongoDB wire protocol over SQLite) embedded,
// for machines without mongod. Usage: ferretdb -listen 127.0.0.1:27017 -dir /data/dir
// It prints "ready <mongodb-uri>" on stdout once it accepts connections and exits on
// SIGINT/SIGTERM, or when its parent process goes away (stdin closes) so it never orphans.
// It keeps an index that FerretDB's own writes by _id can use on every collection table
// (idindex.go). `ferretdb -inspect -dir D` prints, one JSON line per table, whether it has
// that index and SQLite's plans for FerretDB's UPDATE/DELETE/SELECT by _id, then exits.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	dir := flag.String("dir", "", "directory for the SQLite data files (created if missing)")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	durable := flag.Bool("fsync-every-commit", false, "fsync on every commit (SQLite synchronous=FULL) instead of at checkpoints")
	watchStdin := flag.Bool("exit-on-stdin-close", false, "exit when stdin reaches EOF (parent died)")
	idIndexEvery := flag.Duration("id-index-every", time.Second, "how often to add the _id path index to new collection tables (0 = never; only for measuring without it)")
	inspect := flag.Bool("inspect", false, "print each table's _id index and query plans as JSON lines, then exit")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "ferretdb: -dir is required")
		os.Exit(2)
	}
	abs, err := filepath.Abs(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(2)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(2)
	}

	if *inspect {
		reps, err := inspectTables(context.Background(), abs)
		if err != nil {
			fmt.Fprintln(os.Stderr, "ferretdb: inspect:", err)
			os.Exit(1)
		}
		enc := json.NewEncoder(os.Stdout)
		enc.SetEscapeHTML(false)
		for _, r := range reps {
			_ = enc.Encode(r)
		}
		return
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb: bad -log-level:", err)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	f, err := ferretdb.New(&ferretdb.Config{
		Logger:    logger,
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/?" + sqlitePragmas(*durable),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if *watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}

	done := make(chan struct{})
	go func() {
		f.Run(ctx)
		close(done)
	}()

	// Wait until the port accepts connections, then announce readiness.
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", *listen, 500*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, "ferretdb: not listening after 60s")
			os.Exit(1)
		}
		select {
		case <-done:
			fmt.Fprintln(os.Stderr, "ferretdb: stopped before it was ready")
			os.Exit(1)
		case <-time.After(50 * time.Millisecond):
		}
	}
	if *idIndexEvery > 0 {
		// Existing tables first, so clients never see the slow plan after "ready".
		ensureAllIDIndexes(ctx, abs, logger)
		go keepIDIndexes(ctx, abs, *idIndexEvery, logger)
	}
	fmt.Println("ready", f.MongoDBURI())
	<-done
}

// sqlitePragmas: FerretDB already uses WAL. With synchronous=NORMAL a commit no longer
// waits for an fsync, which is most of the cost of each write on this kind of server.
// The data still survives a crash of any process; only the last commits can be lost if
// the machine itself loses power. This server is for development and tests; production
// runs on MongoDB.
func sqlitePragmas(durable bool) string {
	if durable {
		return "_pragma=synchronous(full)"
	}
	return "_pragma=synchronous(normal)"
}
