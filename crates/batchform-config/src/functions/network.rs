//! CIDR functions (Terraform `funcs/cidr.go` over `apparentlymart/go-cidr`): cidrhost,
//! cidrnetmask, cidrsubnet, cidrsubnets.
//!
//! Addresses follow Go's `net` package: IPv4 written with leading zeros is accepted (as
//! Terraform's copy of Go 1.16's parser does), IPv4-mapped IPv6 addresses print as IPv4, and
//! go-cidr's arithmetic is reproduced including its handling of negative numbers.

use super::spec::prelude::*;
use num_bigint::{BigInt, Sign};
use num_traits::{ToPrimitive, Zero};

pub(super) fn register(all: &mut Vec<Function>) {
    let s = |name| Param::new(name, Type::String);
    let n = |name| Param::new(name, Type::Number);
    all.push(Function::new(
        "cidrhost",
        vec![s("prefix"), n("hostnum")],
        Ret::Static(|| Type::String),
        cidrhost,
    ));
    all.push(Function::new(
        "cidrnetmask",
        vec![s("prefix")],
        Ret::Static(|| Type::String),
        cidrnetmask,
    ));
    all.push(Function::new(
        "cidrsubnet",
        vec![s("prefix"), n("newbits"), n("netnum")],
        Ret::Static(|| Type::String),
        cidrsubnet,
    ));
    all.push(
        Function::new(
            "cidrsubnets",
            vec![s("prefix")],
            Ret::Static(|| Type::list(Type::String)),
            cidrsubnets,
        )
        .variadic(n("newbits")),
    );
}

/// An IP network as Go's `net.IPNet` holds it: the address (4 bytes for IPv4, 16 for IPv6,
/// possibly IPv4-mapped) and the prefix length out of `bits`.
#[derive(Clone, Debug)]
struct Net {
    ip: Vec<u8>,
    prefix: u32,
    bits: u32,
}

/// Go's `*big.Int` conversion from a cty number (a whole number, any size).
fn big_int(n: &Number) -> std::result::Result<BigInt, String> {
    n.to_bigint().ok_or_else(|| "value must be a whole number".to_string())
}

fn parse_cidr(text: &str) -> std::result::Result<Net, String> {
    let bad = || format!("invalid CIDR expression: invalid CIDR address: {text}");
    let (addr, mask) = text.split_once('/').ok_or_else(bad)?;
    let (ip, iplen) = match parse_ipv4(addr) {
        Some(v4) => (v4.to_vec(), 4u32),
        None => (addr.parse::<std::net::Ipv6Addr>().map_err(|_| bad())?.octets().to_vec(), 16),
    };
    if mask.is_empty() || mask.len() > 3 || !mask.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let prefix: u32 = mask.parse().map_err(|_| bad())?;
    if prefix > 8 * iplen {
        return Err(bad());
    }
    let bits = 8 * iplen;
    let masked = to_bytes(from_bytes(&ip) & mask_bits(prefix, bits), ip.len());
    Ok(Net { ip: masked, prefix, bits })
}

/// Go 1.16's `parseIPv4`: four decimal fields up to 255, leading zeros allowed.
fn parse_ipv4(s: &str) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = s.split('.');
    for byte in &mut out {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *byte = part.parse::<u16>().ok().filter(|v| *v <= 255)? as u8;
    }
    parts.next().is_none().then_some(out)
}

fn from_bytes(b: &[u8]) -> u128 {
    b.iter().fold(0u128, |acc, x| (acc << 8) | u128::from(*x))
}

fn to_bytes(v: u128, len: usize) -> Vec<u8> {
    let all = v.to_be_bytes();
    all[16 - len..].to_vec()
}

fn mask_bits(prefix: u32, bits: u32) -> u128 {
    let full = if bits == 128 { u128::MAX } else { (1u128 << bits) - 1 };
    if prefix == 0 { 0 } else { full & !(full >> prefix.min(bits)) }
}

/// Go's `IP.To4`: the IPv4 form of a 4-byte or IPv4-mapped address.
fn to4(ip: &[u8]) -> Option<[u8; 4]> {
    match ip.len() {
        4 => ip.try_into().ok(),
        16 if ip[..10].iter().all(|b| *b == 0) && ip[10] == 0xff && ip[11] == 0xff => {
            ip[12..].try_into().ok()
        }
        _ => None,
    }
}

/// Go's `IP.String`.
fn ip_string(ip: &[u8]) -> String {
    if let Some(v4) = to4(ip) {
        return std::net::Ipv4Addr::from(v4).to_string();
    }
    let octets: [u8; 16] = ip.try_into().unwrap_or([0; 16]);
    std::net::Ipv6Addr::from(octets).to_string()
}

fn net_string(n: &Net) -> String {
    format!("{}/{}", ip_string(&n.ip), n.prefix)
}

/// go-cidr's `ipToInt`: the address as a number, and its width (32 when IPv4-shaped).
fn ip_to_int(ip: &[u8]) -> (BigInt, u32) {
    match to4(ip) {
        Some(v4) => (BigInt::from(u32::from_be_bytes(v4)), 32),
        None => (BigInt::from_bytes_be(Sign::Plus, ip), 128),
    }
}

/// go-cidr's `intToIP`: the magnitude's bytes, right-aligned (Go's `Int.Bytes` ignores the
/// sign).
fn int_to_ip(v: &BigInt, bits: u32) -> std::result::Result<Vec<u8>, String> {
    let bytes = v.magnitude().to_bytes_be();
    let len = (bits / 8) as usize;
    let bytes = if v.is_zero() { Vec::new() } else { bytes };
    if bytes.len() > len {
        return Err(format!(
            "panic in function implementation: runtime error: index out of range [-{}]",
            bytes.len() - len
        ));
    }
    let mut out = vec![0u8; len];
    out[len - bytes.len()..].copy_from_slice(&bytes);
    Ok(out)
}

/// go-cidr's `insertNumIntoIP`: OR the number, shifted into place, into the address.
fn insert_num(ip: &[u8], num: &BigInt, prefix_len: i64) -> std::result::Result<Vec<u8>, String> {
    let (ip_int, bits) = ip_to_int(ip);
    let shift = i64::from(bits) - prefix_len;
    let shifted = if shift >= 0 { num << (shift as usize) } else { num >> ((-shift) as usize) };
    int_to_ip(&(ip_int | shifted), bits)
}

/// Go's `Int.Uint64` (the low 64 bits of the magnitude) as `int64`, as go-cidr uses it.
fn low_u64(n: &BigInt) -> u64 {
    let m = n.magnitude() & num_bigint::BigUint::from(u64::MAX);
    m.to_u64().unwrap_or(0)
}

fn cidrhost(args: &[Value], _: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let mut num = big_int(&num_arg(args, 1))?;
    let net = parse_cidr(str_arg(args, 0))?;
    let host_len = net.bits - net.prefix;
    let max_host = (BigInt::from(1) << host_len as usize) - 1;
    let mut num_u64 = BigInt::from(low_u64(&num) as i64);
    if num.sign() == Sign::Minus {
        num_u64 = -num.clone() - 1;
        num = &max_host - &num_u64;
    }
    if num_u64 > max_host {
        return Err(CallError::msg(format!(
            "prefix of {} does not accommodate a host numbered {num}",
            net.prefix
        )));
    }
    let bitlength = if to4(&net.ip).is_some() { 32 } else { 128 };
    let ip = insert_num(&net.ip, &num, bitlength)?;
    Ok(string_val(ip_string(&ip)))
}

fn cidrnetmask(args: &[Value], _: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let prefix = str_arg(args, 0);
    let net = parse_cidr(prefix)?;
    if to4(&net.ip).is_none() {
        return Err(CallError::msg(format!("IPv6 addresses cannot have a netmask: {prefix}")));
    }
    let mask = to_bytes(mask_bits(net.prefix, net.bits), (net.bits / 8) as usize);
    Ok(string_val(ip_string(&mask)))
}

fn cidrsubnet(args: &[Value], _: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let newbits = to_int(&num_arg(args, 1))?;
    let num = big_int(&num_arg(args, 2))?;
    let net = parse_cidr(str_arg(args, 0))?;
    let new_prefix = i64::from(net.prefix) + newbits;
    if new_prefix > i64::from(net.bits) {
        return Err(CallError::msg(format!(
            "insufficient address space to extend prefix of {} by {newbits}",
            net.prefix
        )));
    }
    // Go shifts a uint64 by newbits; shifts of 64 or more (or negative counts, as
    // unsigned) give 0, so the limit wraps to the largest uint64.
    let max_net_num = if (0..64).contains(&newbits) { (1u64 << newbits) - 1 } else { u64::MAX };
    if low_u64(&num) > max_net_num {
        return Err(CallError::msg(format!(
            "prefix extension of {newbits} does not accommodate a subnet numbered {num}"
        )));
    }
    let ip = insert_num(&net.ip, &num, new_prefix)?;
    let prefix = u32::try_from(new_prefix).map_err(|_| {
        CallError::msg("panic in function implementation: invalid prefix length".to_string())
    })?;
    Ok(string_val(net_string(&Net { ip, prefix, bits: net.bits })))
}

fn cidrsubnets(args: &[Value], _: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let net = parse_cidr(str_arg(args, 0)).map_err(|e| CallError::arg(0, e))?;
    let lengths = &args[1..];
    if lengths.is_empty() {
        return Ok(Value::List(Type::String, Vec::new()));
    }
    let width = net.ip.len() as u32 * 8;
    let first = to_int(lengths[0].as_number().unwrap_or(&Number::zero()))
        .map_err(|e| CallError::arg(1, e))?;
    let first_len = first + i64::from(net.prefix);
    let mut current = previous_subnet(&net, first_len.clamp(0, i64::from(width)) as u32);
    let mut out = Vec::with_capacity(lengths.len());
    for (i, v) in lengths.iter().enumerate() {
        let length = to_int(v.as_number().unwrap_or(&Number::zero()))
            .map_err(|e| CallError::arg(i + 1, e))?;
        if length < 1 {
            return Err(CallError::arg(i + 1, "must extend prefix by at least one bit"));
        }
        if length > 32 {
            return Err(CallError::arg(i + 1, "may not extend prefix by more than 32 bits"));
        }
        let length = length + i64::from(net.prefix);
        if length > i64::from(width) {
            let protocol = match width {
                32 => "IPv4",
                128 => "IPv6",
                _ => "IP",
            };
            return Err(CallError::arg(
                i + 1,
                format!(
                    "would extend prefix to {length} bits, which is too long for an {protocol} address"
                ),
            ));
        }
        let (next, rollover) = next_subnet(&current, length as u32);
        if rollover || !contains(&net, &next.ip) {
            return Err(CallError::arg(
                i + 1,
                format!(
                    "not enough remaining address space for a subnet with a prefix of {length} bits after {}",
                    net_string(&current)
                ),
            ));
        }
        current = next;
        out.push(string_val(net_string(&current)));
    }
    Ok(Value::List(Type::String, out))
}

/// The address as a number of the network's own width (4 or 16 bytes).
fn addr(ip: &[u8]) -> (u128, u32) {
    (from_bytes(ip), ip.len() as u32 * 8)
}

fn width_max(bits: u32) -> u128 {
    if bits == 128 { u128::MAX } else { (1u128 << bits) - 1 }
}

/// go-cidr's `PreviousSubnet` (its roll-over flag is not used by Terraform).
fn previous_subnet(n: &Net, prefix: u32) -> Net {
    let (v, bits) = addr(&n.ip);
    let prev = v.wrapping_sub(1) & width_max(bits);
    let masked = prev & mask_bits(prefix, bits);
    Net { ip: to_bytes(masked, n.ip.len()), prefix, bits }
}

/// go-cidr's `NextSubnet`: the subnet after the one holding the last address of `n`.
fn next_subnet(n: &Net, prefix: u32) -> (Net, bool) {
    let (v, bits) = addr(&n.ip);
    let host = bits.saturating_sub(n.prefix);
    let last = if host == 0 { v } else { v | width_max(host) };
    let mask = mask_bits(prefix, bits);
    let current = last & mask;
    let sub_host = bits.saturating_sub(prefix);
    let current_last = if sub_host == 0 { current } else { current | width_max(sub_host) };
    let next = current_last.wrapping_add(1) & width_max(bits);
    let rolled = next == 0;
    (Net { ip: to_bytes(next & mask, n.ip.len()), prefix, bits }, rolled)
}

fn contains(n: &Net, ip: &[u8]) -> bool {
    let mask = mask_bits(n.prefix, n.bits);
    (from_bytes(ip) & mask) == (from_bytes(&n.ip) & mask)
}
