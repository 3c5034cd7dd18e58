// Command mongotest runs an embedded FerretDB v1.24.2 (SQLite handler) for tests.
//
// Usage:
//
//	mongotest -listen 127.0.0.1:PORT -dir /abs/data/dir
//	mongotest -version
//
// It prints exactly one line "ready mongodb://127.0.0.1:PORT/" to stdout once
// the port accepts TCP connections, and exits cleanly on SIGTERM/SIGINT.
// Only loopback listen addresses are accepted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "mongotest: "+format+"\n", args...)
	os.Exit(2)
}

// ferretDBVersion returns the version of the FerretDB module linked in.
func ferretDBVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range bi.Deps {
			if dep.Path == "github.com/FerretDB/FerretDB" {
				if dep.Replace != nil {
					// scripts/build-mongotest builds against a patched copy.
					return dep.Version + "+patched"
				}
				return dep.Version
			}
		}
	}
	return "unknown"
}

func main() {
	showVersion := flag.Bool("version", false, "print the FerretDB version and exit")
	listen := flag.String("listen", "", "TCP address to listen on, loopback only (e.g. 127.0.0.1:27017)")
	dir := flag.String("dir", "", "data directory for SQLite files (created if missing)")
	synchronous := flag.String("synchronous", "normal",
		"SQLite synchronous pragma: off, normal or full (with WAL, normal and off keep every "+
			"committed write across a process crash or kill; only a power loss can lose the last ones)")
	flag.Parse()

	if *showVersion {
		fmt.Printf("FerretDB %s (embedded, sqlite) %s\n", ferretDBVersion(), runtime.Version())
		return
	}
	if flag.NArg() != 0 {
		fatalf("unexpected arguments: %v", flag.Args())
	}
	if *listen == "" {
		fatalf("-listen is required")
	}
	if *dir == "" {
		fatalf("-dir is required")
	}

	host, port, err := net.SplitHostPort(*listen)
	if err != nil {
		fatalf("bad -listen %q: %v", *listen, err)
	}
	ip := net.ParseIP(host)
	if host == "localhost" {
		ip = net.IPv4(127, 0, 0, 1)
	}
	if ip == nil || !ip.IsLoopback() {
		fatalf("refusing non-loopback listen host %q", host)
	}
	if port == "" || port == "0" {
		fatalf("-listen needs an explicit port")
	}
	addr := net.JoinHostPort(ip.String(), port)

	absDir, err := filepath.Abs(*dir)
	if err != nil {
		fatalf("bad -dir %q: %v", *dir, err)
	}
	if err = os.MkdirAll(absDir, 0o700); err != nil {
		fatalf("cannot create -dir %q: %v", absDir, err)
	}
	switch *synchronous {
	case "off", "normal", "full":
	default:
		fatalf("bad -synchronous %q: want off, normal or full", *synchronous)
	}
	sqliteURL := "file:" + absDir
	if !strings.HasSuffix(sqliteURL, "/") {
		sqliteURL += "/"
	}
	// FerretDB adds busy_timeout, journal_mode(wal) and auto_vacuum itself.
	sqliteURL += "?_pragma=synchronous(" + *synchronous + ")"

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: addr},
		Handler:   "sqlite",
		SQLiteURL: sqliteURL,
		Logger:    logger,
	})
	if err != nil {
		fatalf("ferretdb.New: %v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	done := make(chan error, 1)
	go func() {
		done <- f.Run(ctx)
	}()

	// Wait until the port accepts connections (or Run fails early).
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err = <-done:
			fatalf("FerretDB stopped before accepting connections: %v", err)
		case <-ctx.Done():
			// Signal before ready: wait for Run to return and exit.
			<-done
			return
		default:
		}

		conn, dialErr := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if dialErr == nil {
			_ = conn.Close()
			break
		}
		if time.Now().After(deadline) {
			fatalf("FerretDB did not accept connections on %s within 30s: %v", addr, dialErr)
		}
		time.Sleep(20 * time.Millisecond)
	}

	fmt.Printf("ready mongodb://%s/\n", addr)
	_ = os.Stdout.Sync()

	err = <-done
	if err != nil && !errors.Is(err, context.Canceled) {
		fatalf("FerretDB exited with error: %v", err)
	}
}
