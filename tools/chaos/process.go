package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// buildOnramp builds the all-in-one binary into dir and returns its path. The package is
// named by its import path, so this works from anywhere inside the workspace.
func buildOnramp(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "onramp")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "onramp.dev/tools/onramp")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("chaos: go build onramp: %w\n%s", err, out)
	}
	return bin, nil
}

// freeAddr returns a loopback address with a port nobody listens on right now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("chaos: free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// target is the portal process under test: always the same binary, data dir and address,
// started again after every kill. Each run's output goes to its own log file.
type target struct {
	bin, data, logs, addr string
	runs                  int
	cmd                   *exec.Cmd
	exited                chan error // receives the process's end, once
}

// start runs the portal and waits until /readyz answers 200; it returns how long that took.
// If the process exits before it is ready, start returns an error naming its log.
func (t *target) start(ctx context.Context, timeout time.Duration) (time.Duration, error) {
	t.runs++
	logPath := filepath.Join(t.logs, fmt.Sprintf("onramp-%02d.log", t.runs))
	logFile, err := os.Create(logPath)
	if err != nil {
		return 0, fmt.Errorf("chaos: %w", err)
	}
	cmd := exec.Command(t.bin, "-data", t.data, "-addr", t.addr, "-demo")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	begin := time.Now()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return 0, fmt.Errorf("chaos: start onramp: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); logFile.Close() }()
	t.cmd, t.exited = cmd, exited

	hc := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	for {
		if ok := ready(ctx, hc, "http://"+t.addr+"/readyz"); ok {
			return time.Since(begin), nil
		}
		select {
		case err := <-exited:
			exited <- err // keep it for alive/kill
			return 0, fmt.Errorf("chaos: onramp exited before it was ready (%v); see %s", err, logPath)
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("chaos: onramp not ready within %v; see %s", timeout, logPath)
		}
	}
}

func ready(ctx context.Context, hc *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := hc.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// exitedEarly reports whether the process has ended without being killed by us.
func (t *target) exitedEarly() (error, bool) {
	select {
	case err := <-t.exited:
		t.exited <- err
		return err, true
	default:
		return nil, false
	}
}

// kill sends SIGKILL to the process and waits for it to be gone.
func (t *target) kill() error {
	if t.cmd == nil {
		return nil
	}
	if _, gone := t.exitedEarly(); !gone { // never signal a pid that may have been reused
		if err := syscall.Kill(t.cmd.Process.Pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("chaos: kill onramp: %w", err)
		}
	}
	<-t.exited
	t.cmd = nil
	return nil
}

// stop ends the process cleanly (SIGTERM), killing it if it takes more than 30 s.
func (t *target) stop() {
	if t.cmd == nil {
		return
	}
	if _, gone := t.exitedEarly(); gone {
		t.cmd = nil
		return
	}
	_ = syscall.Kill(t.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-t.exited:
	case <-time.After(30 * time.Second):
		_ = syscall.Kill(t.cmd.Process.Pid, syscall.SIGKILL)
		<-t.exited
	}
	t.cmd = nil
}
