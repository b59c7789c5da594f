package main

import (
	"net"
	"net/http"
	"testing"
	"time"
)

func TestServeProfilesOnlyOnTheirOwnLoopbackListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	srv := startServer(t, "sqlite:"+t.TempDir()+"/x.db", "--pprof-addr", addr)

	// The profiling listener starts just after the public one.
	for range 50 {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if r := newClient(t, "http://"+addr).get("/debug/pprof/cmdline"); r.status != http.StatusOK {
		t.Fatalf("pprof listener: %d %s", r.status, r.body)
	}
	if r := newClient(t, srv.url).get("/debug/pprof/cmdline"); r.status != http.StatusNotFound {
		t.Fatalf("the public listener answers /debug/pprof/cmdline with %d, want 404", r.status)
	}
}
