package testenv

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// sshHandshakeTimeout keeps a client that connects and says nothing from
// holding Stop up.
const sshHandshakeTimeout = 10 * time.Second

// gitSSHServer runs git-upload-pack and git-receive-pack for clients that
// authenticate with the one accepted key.
type gitSSHServer struct {
	addr   string
	ln     net.Listener
	config *ssh.ServerConfig
	root   string
	home   string
	stats  *gitRequestCounter
	ctx    context.Context // canceled by stop; ends the git processes
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
}

func (g *GitServer) startSSH() (*gitSSHServer, error) {
	ln, err := listenGitLoopback()
	if err != nil {
		return nil, fmt.Errorf("listen for ssh: %w", err)
	}
	host, err := g.writeSSHKeys(ln.Addr().String())
	if err != nil {
		ln.Close()
		return nil, err
	}
	s := &gitSSHServer{addr: ln.Addr().String(), ln: ln, root: g.Root, home: g.home(), stats: &g.stats, conns: map[net.Conn]struct{}{}}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	client := g.ClientPublicKey.Marshal()
	s.config = &ssh.ServerConfig{
		PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if gitSecretEqual(string(key.Marshal()), string(client)) {
				return &ssh.Permissions{}, nil
			}
			return nil, errors.New("unknown public key")
		},
	}
	s.config.AddHostKey(host)
	s.wg.Add(1) // held by serve, so later Adds never race Wait at zero
	go s.serve()
	return s, nil
}

// writeSSHKeys generates the host key and the client key pair and writes
// the client key and a known_hosts file for the server at addr.
func (g *GitServer) writeSSHKeys(addr string) (ssh.Signer, error) {
	host, _, err := newGitSSHKey()
	if err != nil {
		return nil, err
	}
	client, clientPEM, err := newGitSSHKey()
	if err != nil {
		return nil, err
	}
	g.HostPublicKey, g.ClientPublicKey, g.ClientPrivateKeyPEM = host.PublicKey(), client.PublicKey(), clientPEM
	g.ClientKeyPath = filepath.Join(g.dir, "id_ed25519")
	if err := os.WriteFile(g.ClientKeyPath, clientPEM, 0o600); err != nil {
		return nil, fmt.Errorf("write ssh client key: %w", err)
	}
	g.KnownHostsPath = filepath.Join(g.dir, "known_hosts")
	line := knownhosts.Line([]string{knownhosts.Normalize(addr)}, g.HostPublicKey) + "\n"
	if err := os.WriteFile(g.KnownHostsPath, []byte(line), 0o600); err != nil {
		return nil, fmt.Errorf("write known_hosts: %w", err)
	}
	return host, nil
}

// newGitSSHKey generates an ed25519 key, as a signer and as an OpenSSH
// private key file's content.
func newGitSSHKey() (ssh.Signer, []byte, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate ssh key: %w", err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, nil, fmt.Errorf("generate ssh key: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "tugboat-testenv")
	if err != nil {
		return nil, nil, fmt.Errorf("encode ssh key: %w", err)
	}
	return signer, pem.EncodeToMemory(block), nil
}

// GitSSHCommand is a GIT_SSH_COMMAND that authenticates with ClientKeyPath
// and trusts only KnownHostsPath, without ever prompting.
func (g *GitServer) GitSSHCommand() string {
	return gitSSHCommand(g.ClientKeyPath, g.KnownHostsPath)
}

func gitSSHCommand(keyPath, knownHostsPath string) string {
	// -F /dev/null: ssh reads ~/.ssh/config from the passwd home, which an
	// isolated HOME does not hide.
	return strings.Join([]string{
		"/usr/bin/ssh", "-F", "/dev/null",
		"-i", gitShellQuote(keyPath),
		"-o", "IdentitiesOnly=yes",
		"-o", "IdentityAgent=none",
		"-o", "UserKnownHostsFile=" + gitShellQuote(knownHostsPath),
		"-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "StrictHostKeyChecking=yes",
		"-o", "BatchMode=yes",
		"-o", "ConnectTimeout=10",
	}, " ")
}

// gitShellQuote quotes s for the shell git runs GIT_SSH_COMMAND with.
func gitShellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func (s *gitSSHServer) serve() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serveConn(conn)
		}()
	}
}

// stop closes the listener, waits for connections until ctx ends, then
// drops them and ends their git processes.
func (s *gitSSHServer) stop(ctx context.Context) {
	s.ln.Close()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		s.cancel()
		s.mu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		select {
		case <-done:
		case <-time.After(stopGrace):
		}
	}
	s.cancel()
}

func (s *gitSSHServer) track(c net.Conn, add bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		s.conns[c] = struct{}{}
	} else {
		delete(s.conns, c)
	}
}

func (s *gitSSHServer) serveConn(nc net.Conn) {
	s.track(nc, true)
	defer s.track(nc, false)
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(sshHandshakeTimeout))
	conn, chans, reqs, err := ssh.NewServerConn(nc, s.config)
	if err != nil {
		return // a refused key or host key mismatch ends here
	}
	_ = nc.SetDeadline(time.Time{})
	defer conn.Close()
	go ssh.DiscardRequests(reqs)
	for nch := range chans {
		if nch.ChannelType() != "session" {
			_ = nch.Reject(ssh.UnknownChannelType, "only session channels")
			continue
		}
		ch, chReqs, err := nch.Accept()
		if err != nil {
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serveSession(ch, chReqs)
		}()
	}
}

// serveSession takes GIT_PROTOCOL from env requests, which carries the
// protocol version, then runs the one exec request and closes the channel.
func (s *gitSSHServer) serveSession(ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	var env []string
	for req := range reqs {
		switch req.Type {
		case "env":
			var kv struct{ Name, Value string }
			ok := ssh.Unmarshal(req.Payload, &kv) == nil && kv.Name == "GIT_PROTOCOL"
			if ok {
				env = append(env, "GIT_PROTOCOL="+kv.Value)
			}
			_ = req.Reply(ok, nil)
		case "exec":
			var cmd struct{ Command string }
			if err := ssh.Unmarshal(req.Payload, &cmd); err != nil {
				_ = req.Reply(false, nil)
				continue
			}
			_ = req.Reply(true, nil)
			// Requests left unread would stall the connection.
			go ssh.DiscardRequests(reqs)
			s.exec(ch, cmd.Command, env)
			return
		default:
			_ = req.Reply(false, nil) // no shell, pty or subsystem
		}
	}
}

// exec runs an allowed git command and reports its exit status.
func (s *gitSSHServer) exec(ch ssh.Channel, command string, env []string) {
	status := uint32(1)
	service, repo, err := parseGitSSHCommand(command)
	if err == nil {
		err = s.checkRepo(repo)
	}
	if err != nil {
		fmt.Fprintf(ch.Stderr(), "tugboat test git server: %v\n", err)
	} else {
		status = s.runGit(ch, service, repo, env)
	}
	_ = ch.CloseWrite()
	_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{status}))
}

func (s *gitSSHServer) checkRepo(repo string) error {
	if fi, err := os.Stat(filepath.Join(s.root, repo+".git")); err != nil || !fi.IsDir() {
		return fmt.Errorf("repository %q not found", repo)
	}
	return nil
}

// runGit runs the service on the repository with the channel as its
// standard streams, and returns its exit code.
func (s *gitSSHServer) runGit(ch ssh.Channel, service, repo string, env []string) uint32 {
	cmd := exec.CommandContext(s.ctx, "git", strings.TrimPrefix(service, "git-"), filepath.Join(s.root, repo+".git"))
	cmd.Env = append(gitServerEnv(s.home), env...)
	cmd.Stdout, cmd.Stderr = ch, ch.Stderr()
	cmd.WaitDelay = stopGrace
	// A pipe of our own, not cmd.Stdin = ch: Wait would wait for the
	// client to close its side, which it may only do after the exit status.
	stdin, err := cmd.StdinPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		fmt.Fprintf(ch.Stderr(), "tugboat test git server: start %s: %v\n", service, err)
		return 1
	}
	var sniff gitFetchSniffer
	go func() {
		_, _ = io.Copy(stdin, io.TeeReader(ch, &sniff))
		stdin.Close()
	}()
	err = cmd.Wait()
	s.stats.record(repo, service, service == gitUploadPack && sniff.sawFetch())
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exitErr) && exitErr.ExitCode() > 0:
		return uint32(exitErr.ExitCode())
	}
	return 1
}

// parseGitSSHCommand accepts what git sends over SSH, such as
// git-upload-pack '/app.git', and also unquoted paths and "git upload-pack".
// It refuses other commands and paths that leave the root.
func parseGitSSHCommand(command string) (service, repo string, err error) {
	verb, arg, _ := strings.Cut(strings.TrimSpace(command), " ")
	if verb == "git" {
		verb, arg, _ = strings.Cut(strings.TrimSpace(arg), " ")
		verb = "git-" + verb
	}
	if verb != gitUploadPack && verb != gitReceivePack {
		return "", "", fmt.Errorf("command not allowed: %q", command)
	}
	arg = strings.TrimSpace(arg)
	if len(arg) >= 2 && arg[0] == '\'' && arg[len(arg)-1] == '\'' {
		// git quotes ' and ! as '\'' and '\!'.
		arg = strings.NewReplacer(`'\''`, `'`, `'\!'`, `!`).Replace(arg[1 : len(arg)-1])
	}
	repo = gitRepoName(arg)
	if err := validGitRepoName(repo); err != nil {
		return "", "", err
	}
	return verb, repo, nil
}

// gitFetchSniffer reads the pkt-lines a client sends to upload-pack and
// notes whether it asked for objects: a "want" line (protocol v0 and v1) or
// a "command=fetch" (v2). A ref listing alone sends neither.
type gitFetchSniffer struct {
	mu    sync.Mutex
	buf   []byte
	done  bool
	fetch bool
}

func (s *gitFetchSniffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.done {
		s.buf = append(s.buf, p...)
		s.scan()
	}
	return len(p), nil
}

// scan consumes the complete pkt-lines in buf.
func (s *gitFetchSniffer) scan() {
	for !s.done && len(s.buf) >= 4 {
		n, err := strconv.ParseUint(string(s.buf[:4]), 16, 16)
		switch {
		case err != nil:
			s.done = true // not pkt-lines: stop looking
		case n < 4: // flush, delimiter or response-end
			s.buf = s.buf[4:]
		case len(s.buf) < int(n):
			return
		default:
			line := strings.TrimSuffix(string(s.buf[4:n]), "\n")
			s.buf = s.buf[n:]
			s.fetch = strings.HasPrefix(line, "want ") || line == "command=fetch"
			s.done = s.fetch
		}
	}
}

func (s *gitFetchSniffer) sawFetch() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetch
}
