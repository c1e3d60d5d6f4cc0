package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// domainServices are the services run as their own processes (besides web).
var domainServices = []string{"identity", "onboarding", "training", "skills", "mentorship"}

// The same services as separate processes: `onramp infra` (NATS and FerretDB on loopback
// TCP), every service on its own, seeded by `onramp seed` over NATS — through the sign-in
// journey, and through a SIGKILL of identity that loses nothing.
func TestMultiProcessTopology(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs four processes")
	}
	bin := t.TempDir()
	pkgs := []string{"onramp.dev/tools/onramp", "onramp.dev/services/web/cmd/web"}
	for _, s := range domainServices {
		pkgs = append(pkgs, "onramp.dev/services/"+s+"/cmd/"+s)
	}
	build := exec.Command("go", append([]string{"build", "-o", bin + "/"}, pkgs...)...)
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data, err := os.MkdirTemp("", "onramp-mp-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(data) })

	infra := startProcess(t, filepath.Join(bin, "onramp"), nil, "infra", "-data", data, "-nats", "127.0.0.1:0", "-store", "127.0.0.1:0")
	natsURL, mongoURI := infra.await(t, "NATS_URL="), infra.await(t, "MONGO_URI=")
	env := []string{"NATS_URL=" + natsURL, "MONGO_URI=" + mongoURI}

	procs := map[string]*process{}
	for _, s := range domainServices {
		procs[s] = startProcess(t, filepath.Join(bin, s), env)
		procs[s].await(t, "running")
	}
	identity := procs["identity"]
	addr := freeAddr(t)
	web := startProcess(t, filepath.Join(bin, "web"), append(env, "ONRAMP_ADDR="+addr))
	web.await(t, "running")

	seed := exec.Command(filepath.Join(bin, "onramp"), "seed")
	seed.Env = append(os.Environ(), env...)
	if out, err := seed.CombinedOutput(); err != nil || !strings.Contains(string(out), "hire@demo.onramp") {
		t.Fatalf("seed: %v\n%s", err, out)
	}

	base := "http://" + addr
	c := newClient(base)
	login(t, c, "hr@demo.onramp")
	if resp := c.do(t, "GET", "/", "", ""); resp.StatusCode != 200 {
		t.Fatalf("home over separate processes: %d", resp.StatusCode)
	}
	hr := token(t, c, "hr@demo.onramp")
	start := time.Now().AddDate(0, 0, 3).Format(time.DateOnly)
	if resp := c.do(t, "POST", "/api/v1/people", "application/json",
		`{"email":"kill@demo.onramp","name":"Kim Kill","track":"operations","team":"ops","start_date":"`+start+`"}`, bearer(hr)...); resp.StatusCode != 201 {
		t.Fatalf("invite: %d", resp.StatusCode)
	}

	// Kill identity without warning, start it again: the invite and the sessions survive.
	identity.kill(t)
	identity = startProcess(t, filepath.Join(bin, "identity"), env)
	identity.await(t, "running")
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp := c.do(t, "GET", "/api/v1/people", "", "", bearer(hr)...)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode == 200 && strings.Contains(string(body), "kill@demo.onramp") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after restart: %d %s", resp.StatusCode, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if resp := c.do(t, "GET", "/people", "", ""); resp.StatusCode != 200 {
		t.Fatalf("browser session after identity restart: %d", resp.StatusCode)
	}
	h := newClient(base)
	resp := h.do(t, "POST", "/login", "application/x-www-form-urlencoded", url.Values{"email": {"hire@demo.onramp"}, "password": {demoPassword}}.Encode())
	if resp.StatusCode != 303 {
		t.Fatalf("hire login after restart: %d", resp.StatusCode)
	}
}

type process struct {
	cmd   *exec.Cmd
	lines chan string
}

func startProcess(t *testing.T, path string, env []string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), env...)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, lines: make(chan string, 1024)}
	go func() {
		s := bufio.NewScanner(pr)
		for s.Scan() {
			select {
			case p.lines <- s.Text():
			default:
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
		}
		pw.Close()
	})
	return p
}

// await waits for an output line containing marker and returns what follows it.
func (p *process) await(t *testing.T, marker string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		select {
		case line := <-p.lines:
			if _, after, ok := strings.Cut(line, marker); ok {
				return strings.TrimSpace(after)
			}
		case <-ctx.Done():
			t.Fatalf("%s: no %q within 60s", p.cmd.Path, marker)
		}
	}
}

func (p *process) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprint(ln.Addr())
}
