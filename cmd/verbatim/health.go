package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/verbatimbot/verbatim/internal/config"
)

// runHealthcheck asks a running server whether it is alive: it exits 0
// when GET /healthz answers 200. The image's HEALTHCHECK runs it, as the
// image has no shell or curl.
func runHealthcheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fset.SetOutput(stderr)
	target := fset.String("url", "", "the URL to check (default: /healthz on LISTEN_ADDR, or :8080)")
	if err := fset.Parse(args); err != nil {
		return usageError{}
	}
	if fset.NArg() > 0 {
		return usageError{fmt.Sprintf("healthcheck takes no arguments, got %q", fset.Arg(0))}
	}
	u := *target
	if u == "" {
		if strings.EqualFold(strings.TrimSpace(getenv("LISTEN_ADDR")), config.ListenOff) {
			// No HTTP server to ask; the process being there is all a
			// container's health check can know.
			fmt.Fprintln(stdout, "ok: LISTEN_ADDR is off, no HTTP server to check")
			return nil
		}
		u = healthURL(getenv("LISTEN_ADDR"))
	}
	ctx, cancel := context.WithTimeout(ctx, 4*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return usageError{fmt.Sprintf("--url: %v", err)}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("unhealthy: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("unhealthy: %s answered %s", u, resp.Status)
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}

// healthURL is the /healthz URL of a server listening on addr, reached
// over loopback when addr names no host or every host.
func healthURL(addr string) string {
	addr = strings.TrimSpace(addr)
	if addr == "" || strings.EqualFold(addr, config.ListenOff) {
		addr = config.DefaultListen
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host, port = "", "8080"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz"
}
