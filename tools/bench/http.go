package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const concurrency = 32

// load sends GET requests from 32 concurrent clients for d and reports req/s and p99.
func load(name, url, cookie string, d time.Duration) (Result, error) {
	h := http.Header{}
	if cookie != "" {
		h.Set("Cookie", cookie)
	}
	return loadWith(name, url, h, d)
}

// loadWith is load with the given request headers.
func loadWith(name, url string, header http.Header, d time.Duration) (Result, error) {
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
				req.Header = header.Clone()
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
	return Result{Name: name, Rate: float64(len(lat)) / d.Seconds(), P50: percentile(lat, 0.5), P99: percentile(lat, 0.99), Unit: "req"}, nil
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

// peakHeap runs f and reports how far the heap rose above where it started while f ran,
// with the collector run often (GOGC=5) so that the figure is close to the live memory f
// holds, not garbage awaiting collection.
func peakHeap(f func() (time.Duration, error)) (time.Duration, uint64, error) {
	old := debug.SetGCPercent(5)
	defer debug.SetGCPercent(old)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var top atomic.Uint64
	done := make(chan struct{})
	go func() {
		var m runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
				runtime.ReadMemStats(&m)
				if m.HeapAlloc > base && m.HeapAlloc-base > top.Load() {
					top.Store(m.HeapAlloc - base)
				}
			}
		}
	}()
	d, err := f()
	close(done)
	return d, top.Load(), err
}
