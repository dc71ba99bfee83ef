package tls_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	stdtls "crypto/tls"
	"crypto/x509"
	"fmt"
	"log"
	"math/big"
	"time"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/transports/memory"
	"github.com/f2bac256/bedrock/transports/tls"
)

// selfSigned returns a certificate for localhost and a pool that trusts
// it.
func selfSigned() (stdtls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		DNSNames:              []string{"localhost"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		log.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		log.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return stdtls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// An echo over the memory transport with TLS on top: the client verifies
// the server's certificate for "localhost", the host of the address it
// dials, and both sides agree on an ALPN protocol.
func Example() {
	ctx := context.Background()
	cert, pool := selfSigned()
	protos := []string{"bedrock/1"}
	f := conn.Chain(&memory.Factory{}, tls.Layer(tls.Config{
		Client: &stdtls.Config{RootCAs: pool, NextProtos: protos},
		Server: &stdtls.Config{Certificates: []stdtls.Certificate{cert}, NextProtos: protos},
	}))
	l, err := f.Bind(ctx, memory.Addr("localhost:443"), conn.Properties{})
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()

	go func() {
		c, err := l.Accept(ctx) // the handshake is done
		if err != nil {
			return
		}
		s, _ := c.Stream() // a *tls.Conn
		line, _ := bufio.NewReader(s).ReadString('\n')
		fmt.Fprint(s, line)
		c.Close()
	}()

	c, err := f.Connect(ctx, l.Addr(), conn.Properties{})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	state, _ := conn.Get[*stdtls.ConnectionState](c.Properties())
	fmt.Println("protocol:", state.NegotiatedProtocol)
	s, _ := c.Stream()
	fmt.Fprintln(s, "hello, tls")
	reply, _ := bufio.NewReader(s).ReadString('\n')
	fmt.Print(reply)
	// Output:
	// protocol: bedrock/1
	// hello, tls
}
