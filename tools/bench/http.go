package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

const concurrency = 32

// load sends GET requests from 32 concurrent clients for d and reports req/s and p99.
func load(name, url, cookie string, d time.Duration) (Result, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: concurrency * 2, MaxConnsPerHost: concurrency * 2}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var mu sync.Mutex
	var lat []time.Duration
	var failure error
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(deadline) {
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				if cookie != "" {
					req.Header.Set("Cookie", cookie)
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("%s: status %d", url, resp.StatusCode)
					}
				}
				if err != nil {
					mu.Lock()
					failure = err
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if failure != nil {
		return Result{}, failure
	}
	return Result{Name: name, Rate: float64(len(lat)) / d.Seconds(), P99: percentile(lat, 0.99), Unit: "req"}, nil
}

func trivialHandler(d time.Duration) (Result, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return Result{}, err
	}
	body := []byte(strings.Repeat("x", 2048))
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write(body)
	})}
	go srv.Serve(ln)
	defer srv.Close()
	return load("trivial net/http handler (2 KB)", "http://"+ln.Addr().String()+"/", "", d)
}

func loadPage(e *env, path, cookie string, d time.Duration) (Result, error) {
	name := "login page (GET /login)"
	switch path {
	case "/":
		name = "home page, signed in (GET /)"
	case "/notifications":
		name = "notifications page, signed in (GET /notifications)"
	case "/notifications/bell":
		name = "bell, signed in (GET /notifications/bell)"
	}
	return load(name, e.base+path, cookie, d)
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}
