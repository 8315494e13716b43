#!/usr/bin/perl
# The reference for trawl's nmap rule matching: runs every TCP match/softmatch rule of an
# nmap-service-probes file through Perl's regex engine (whose syntax and semantics PCRE copies) on
# each banner (one hex line each on stdin) and prints one line per match:
#   <banner index> <rule line> <group 1 hex or -> <group 2 hex or -> ...
# Rules Perl cannot compile are listed on stderr as "bad <line>".
use strict;
use warnings;
no warnings 'regexp';

my ($file) = @ARGV;
open(my $fh, '<:raw', $file) or die "$file: $!";
my @rules;
my $tcp = 0;
while (my $line = <$fh>) {
  $line =~ s/\r?\n$//;
  if ($line =~ /^Probe (\S+) /) { $tcp = $1 eq 'TCP'; next; }
  next unless $tcp && $line =~ /^(?:soft)?match \S+ m(.)/;
  my $d = $1;
  my $start = index($line, "m$d") + 2;
  my $end = index($line, $d, $start);
  my $pat = substr($line, $start, $end - $start);
  my ($flags) = substr($line, $end + 1) =~ /^([is]*)/;
  # PCRE reads a '{' that starts no quantifier as a literal; Perl 5.26+ refuses it unescaped.
  $pat =~ s/(\\.)|\{(?!\d+(?:,\d*)?\})/defined $1 ? $1 : '\\{'/ges;
  my $re = eval { $flags ? qr/(?$flags)$pat/ : qr/$pat/ };
  if (!$re) { print STDERR "bad $.\n"; next; }
  push @rules, [$., $re];
}
my $n = 0;
while (my $hex = <STDIN>) {
  chomp $hex;
  my $b = pack('H*', $hex);
  for my $r (@rules) {
    my @g = $b =~ $r->[1];
    next unless @g;
    # A pattern without groups returns (1) on a match: no groups to print.
    @g = () if $#+ == 0;
    print join(' ', $n, $r->[0], map { defined $_ ? (length $_ ? unpack('H*', $_) : '=') : '-' } @g), "\n";
  }
  $n++;
}
