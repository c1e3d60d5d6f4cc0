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
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"onramp.dev/services/notify/smtptest"
)

// domainServices are the services run as their own processes (besides web).
var domainServices = []string{"identity", "onboarding", "training", "skills", "mentorship", "notify"}

// The same services as separate processes: `onramp infra` (NATS and FerretDB on loopback
// TCP), every service on its own, seeded by `onramp seed` over NATS — through the sign-in
// journey, and through SIGKILLs of identity and of notify (in the middle of sending an
// invitation to a real SMTP server) that lose nothing.
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
	// Each process signs in as its service's NATS user (its own domain's subjects only).
	userURL := map[string]string{}
	for _, s := range append(slices.Clone(domainServices), "web") {
		userURL[s] = infra.await(t, "NATS_URL_"+strings.ToUpper(s)+"=")
	}
	env := []string{"NATS_URL=" + natsURL, "MONGO_URI=" + mongoURI} // the admin's: seeding
	envOf := func(service string) []string {
		return []string{"NATS_URL=" + userURL[service], "MONGO_URI=" + mongoURI}
	}
	addr := freeAddr(t)
	ms := smtptest.Start(t)
	notifyEnv := append(envOf("notify"), "ONRAMP_SMTP_URL="+ms.URL(), "ONRAMP_SMTP_FROM=Onramp <onramp@example.org>",
		"ONRAMP_PUBLIC_URL=http://"+addr, "ONRAMP_MAIL_RETRY_AFTER=2s")

	procs := map[string]*process{}
	for _, s := range domainServices {
		e := envOf(s)
		if s == "notify" {
			e = notifyEnv
		}
		procs[s] = startProcess(t, filepath.Join(bin, s), e)
		procs[s].await(t, "running")
	}
	identity := procs["identity"]
	web := startProcess(t, filepath.Join(bin, "web"), append(envOf("web"), "ONRAMP_ADDR="+addr))
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
	held := ms.HoldFor("kill@demo.onramp")
	if resp := c.do(t, "POST", "/api/v1/people", "application/json",
		`{"email":"kill@demo.onramp","name":"Kim Kill","track":"operations","team":"ops","start_date":"`+start+`"}`, bearer(hr)...); resp.StatusCode != 201 {
		t.Fatalf("invite: %d", resp.StatusCode)
	}

	// Kill notify while the mail server holds the invitation, before it answers: nothing
	// was accepted and nothing recorded. The restarted notify sends it, once.
	var answer chan error
	select {
	case answer = <-held:
	case <-time.After(60 * time.Second):
		t.Fatal("the invitation never reached the mail server")
	}
	procs["notify"].kill(t)
	answer <- &smtp.SMTPError{Code: 421, Message: "connection lost"}
	ms.Release()
	procs["notify"] = startProcess(t, filepath.Join(bin, "notify"), notifyEnv)
	procs["notify"].await(t, "running")

	// Kill identity without warning, start it again: the invite and the sessions survive.
	identity.kill(t)
	identity = startProcess(t, filepath.Join(bin, "identity"), envOf("identity"))
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

	// Kim gets the invitation and "Plan created" once each; the killed process held the
	// first. (Reminders of tasks due soon may come too, from 09:00 on a working day: they
	// are not counted.)
	count := func() (invitations, plans int) {
		for _, m := range ms.To("kill@demo.onramp") {
			switch subject := m.Header.Get("Subject"); {
			case strings.Contains(subject, "set your password"):
				invitations++
			case strings.HasPrefix(subject, "Plan created"):
				plans++
			}
		}
		return invitations, plans
	}
	for n, p := count(); n < 1 || p < 1; n, p = count() {
		if time.Now().After(deadline.Add(60 * time.Second)) {
			t.Fatalf("%d invitations, %d plan e-mails: lost with the killed notify process", n, p)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n, p := count(); n != 1 || p != 1 {
		t.Fatalf("%d invitations, %d plan e-mails; want one each", n, p)
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
