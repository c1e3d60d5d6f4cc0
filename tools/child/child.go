// Package child runs the all-in-one `onramp` command as a child process on its own data
// directory, so that tools can SIGKILL it, start it again on the same data and read its
// resident memory from /proc. The fault suite (tools/chaos) and the benchmark's process
// mode (tools/bench -process) both use it.
package child

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Build builds the all-in-one binary into dir and returns its path. The package is named
// by its import path, so this works from anywhere inside the workspace.
func Build(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "onramp")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "onramp.dev/tools/onramp")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("child: go build onramp: %w\n%s", err, out)
	}
	return bin, nil
}

// FreeAddr returns a loopback address with a port nobody listens on right now.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("child: free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// Process is the portal under test: always the same binary, data dir and address, started
// again after every stop or kill. Each run's output goes to its own log file in Logs.
type Process struct {
	Bin, Data, Logs, Addr string
	Args                  []string // after -data and -addr, e.g. -demo
	Env                   []string // added to the environment
	Runs                  int
	cmd                   *exec.Cmd
	exited                chan error // receives the process's end, once
	log                   string
}

// Start runs the portal and waits until /readyz answers 200; it returns how long that took.
// If the process exits before it is ready, Start returns an error naming its log.
func (p *Process) Start(ctx context.Context, timeout time.Duration) (time.Duration, error) {
	p.Runs++
	p.log = filepath.Join(p.Logs, fmt.Sprintf("onramp-%02d.log", p.Runs))
	logFile, err := os.Create(p.log)
	if err != nil {
		return 0, fmt.Errorf("child: %w", err)
	}
	cmd := exec.Command(p.Bin, append([]string{"-data", p.Data, "-addr", p.Addr}, p.Args...)...)
	cmd.Env = append(os.Environ(), p.Env...)
	// If the tool dies without stopping it, the portal is stopped too, not left running.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	begin := time.Now()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return 0, fmt.Errorf("child: start onramp: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); logFile.Close() }()
	p.cmd, p.exited = cmd, exited

	hc := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	for {
		if ok := ready(ctx, hc, "http://"+p.Addr+"/readyz"); ok {
			return time.Since(begin), nil
		}
		select {
		case err := <-exited:
			exited <- err // keep it for ExitedEarly/Kill
			return 0, fmt.Errorf("child: onramp exited before it was ready (%v); see %s", err, p.log)
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("child: onramp not ready within %v; see %s", timeout, p.log)
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

// ExitedEarly reports whether the process has ended without being killed by us.
func (p *Process) ExitedEarly() (error, bool) {
	select {
	case err := <-p.exited:
		p.exited <- err
		return err, true
	default:
		return nil, false
	}
}

// Kill sends SIGKILL to the process and waits for it to be gone.
func (p *Process) Kill() error {
	if p.cmd == nil {
		return nil
	}
	if _, gone := p.ExitedEarly(); !gone { // never signal a pid that may have been reused
		if err := syscall.Kill(p.cmd.Process.Pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("child: kill onramp: %w", err)
		}
	}
	<-p.exited
	p.cmd = nil
	return nil
}

// Stop ends the process cleanly (SIGTERM), killing it if it takes more than 30 s.
func (p *Process) Stop() {
	if p.cmd == nil {
		return
	}
	if _, gone := p.ExitedEarly(); gone {
		p.cmd = nil
		return
	}
	_ = syscall.Kill(p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		_ = syscall.Kill(p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.exited
	}
	p.cmd = nil
}

// Output is what the current run has written so far (its log file).
func (p *Process) Output() ([]byte, error) { return os.ReadFile(p.log) }

// Line returns the value of the first "KEY=value" line the current run printed.
func (p *Process) Line(key string) (string, error) {
	f, err := os.Open(p.log)
	if err != nil {
		return "", fmt.Errorf("child: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key+"="); ok {
			return v, nil
		}
	}
	return "", fmt.Errorf("child: no %s= line in %s", key, p.log)
}

// Memory is the resident memory of a process, from /proc/<pid>/status (Linux).
type Memory struct {
	RSS, Peak int64 // VmRSS and VmHWM, in bytes
}

// Memory reads the running process's resident memory.
func (p *Process) Memory() (Memory, error) {
	if p.cmd == nil {
		return Memory{}, errors.New("child: not running")
	}
	return ReadMemory(p.cmd.Process.Pid)
}

// CPU is the processor time the running process has used (user and system, from
// /proc/<pid>/stat; Linux).
func (p *Process) CPU() (time.Duration, error) {
	if p.cmd == nil {
		return 0, errors.New("child: not running")
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("child: %w", err)
	}
	// The fields after the command (which may hold spaces) start after its ")".
	i := strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b[i+1:]))
	if i < 0 || len(f) < 13 {
		return 0, errors.New("child: unreadable /proc stat")
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("child: unreadable /proc stat")
	}
	return time.Duration(utime+stime) * time.Second / 100, nil // USER_HZ is 100 on Linux
}

// ResetPeak sets the process's VmHWM back to its current VmRSS (Linux ≥ 4.0), so that a
// later Memory().Peak is the peak since now.
func (p *Process) ResetPeak() error {
	if p.cmd == nil {
		return errors.New("child: not running")
	}
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", p.cmd.Process.Pid), []byte("5"), 0)
}

// ReadMemory reads pid's VmRSS and VmHWM.
func ReadMemory(pid int) (Memory, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, fmt.Errorf("child: %w", err)
	}
	var m Memory
	for line := range strings.SplitSeq(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		switch f[0] {
		case "VmRSS:":
			m.RSS = kb * 1024
		case "VmHWM:":
			m.Peak = kb * 1024
		}
	}
	if m.RSS == 0 {
		return Memory{}, fmt.Errorf("child: no VmRSS for pid %d", pid)
	}
	return m, nil
}
