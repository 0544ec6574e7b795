package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthURL(t *testing.T) {
	for addr, want := range map[string]string{
		"":               "http://127.0.0.1:8080/healthz",
		"off":            "http://127.0.0.1:8080/healthz",
		":9000":          "http://127.0.0.1:9000/healthz",
		"0.0.0.0:9000":   "http://127.0.0.1:9000/healthz",
		"[::]:9000":      "http://127.0.0.1:9000/healthz",
		"10.0.0.5:9000":  "http://10.0.0.5:9000/healthz",
		"[::1]:9000":     "http://[::1]:9000/healthz",
		"localhost:8081": "http://localhost:8081/healthz",
	} {
		if got := healthURL(addr); got != want {
			t.Errorf("healthURL(%q) = %q, want %q", addr, got, want)
		}
	}
}

func TestHealthcheck(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	env := func(k string) string {
		if k == "LISTEN_ADDR" {
			return strings.TrimPrefix(srv.URL, "http://")
		}
		return ""
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"healthcheck"}, env, nil, &out, &errOut); err != nil || strings.TrimSpace(out.String()) != "ok" {
		t.Fatalf("healthy server: err %v, out %q", err, out.String())
	}
	status = http.StatusServiceUnavailable
	if err := run(context.Background(), []string{"healthcheck"}, env, nil, &out, &errOut); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("unhealthy server: err %v", err)
	}
	srv.Close()
	if err := run(context.Background(), []string{"healthcheck", "--url", srv.URL + "/healthz"}, env, nil, &out, &errOut); err == nil {
		t.Fatal("closed server reported healthy")
	}
	off := func(k string) string {
		if k == "LISTEN_ADDR" {
			return "off"
		}
		return ""
	}
	out.Reset()
	if err := run(context.Background(), []string{"healthcheck"}, off, nil, &out, &errOut); err != nil || !strings.Contains(out.String(), "LISTEN_ADDR is off") {
		t.Errorf("with the HTTP server off: %v %q", err, out.String())
	}
}
