//! rcv
