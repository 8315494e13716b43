# node-gyp build of the native packet module (trawl_native.node): C++17, exceptions on so
# argument checks can throw TypeError/RangeError naming the argument, linked with libpcap.
{
  "targets": [{
    "target_name": "trawl_native",
    "sources": ["src/addon.cc", "src/frame.cc", "src/frame6.cc", "src/frame-icmp.cc", "src/sender.cc", "src/tx-engine.cc", "src/capture.cc", "src/catch-fast.cc", "src/arp.cc", "src/ndp.cc", "src/walk.cc"],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "gen"],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
    "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-Wall", "-Wextra", "-Wno-unused-parameter"],
    "libraries": ["-lpcap", "-lpthread"]
  }]
}
