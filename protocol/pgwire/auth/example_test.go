package auth_test

import (
	"fmt"

	"github.com/f2bac256/bedrock/protocol/pgwire/auth"
)

// The answer to AuthenticationMD5Password, whose message carries the salt.
func ExampleMD5Password() {
	fmt.Println(auth.MD5Password("user", "pencil", [4]byte{1, 2, 3, 4}))
	// Output: md54376eb6913b38f9aaff38dc7cf19ca76
}

// A SCRAM-SHA-256 exchange, here with RFC 7677's nonce and server messages;
// a real client uses NewSCRAM("", password), whose nonce is random, and
// carries the messages in SASLInitialResponse, AuthenticationSASLContinue,
// SASLResponse and AuthenticationSASLFinal.
func ExampleSCRAM() {
	s, err := auth.NewSCRAMWithNonce("user", "pencil", "rOprNGfwEbeRWgbNEkqO")
	if err != nil {
		fmt.Println(err)
		return
	}
	first, _ := s.ClientFirst()
	fmt.Printf("%s %s\n", auth.SCRAMSHA256, first)

	final, err := s.ServerFirst([]byte("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s\n", final)

	err = s.ServerFinal([]byte("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="))
	fmt.Println("server verified:", err == nil, s.Done())
	// Output:
	// SCRAM-SHA-256 n,,n=user,r=rOprNGfwEbeRWgbNEkqO
	// c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=
	// server verified: true true
}
