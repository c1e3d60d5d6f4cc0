package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// serveDebug serves Go's runtime profiles (heap, allocs, goroutine, CPU, …) under
// /debug/pprof/ on addr, a loopback address of its own: never on the web address, so users
// cannot reach it. It is off unless -debug or ONRAMP_DEBUG_ADDR names an address. The
// returned function stops it.
//
//	go tool pprof http://127.0.0.1:6060/debug/pprof/heap
//	curl -s 'http://127.0.0.1:6060/debug/pprof/heap?debug=1' | grep '^# Heap'
func serveDebug(addr string, logger *slog.Logger) (func(), error) {
	if !loopback(addr) {
		return nil, fmt.Errorf("-debug %s: the profiles are served on loopback only", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("debug: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	logger.Info("profiles served", "url", "http://"+ln.Addr().String()+"/debug/pprof/")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}
