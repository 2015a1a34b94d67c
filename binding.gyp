{
  # Fallback build (node-gyp) of the same sources CMakeLists.txt builds.
  "target_defaults": {
    "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wshadow", "-fexceptions", "-fvisibility=hidden"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native"],
    "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NODE_ADDON_API_CPP_EXCEPTIONS"]
  },
  "targets": [
    {
      "target_name": "uws",
      "sources": [
        "<!@(node -p \"['core','net','addon'].flatMap(d => require('fs').readdirSync('native/' + d).filter(f => f.endsWith('.cpp')).map(f => 'native/' + d + '/' + f)).join(' ')\")"
      ]
    },
    {
      "target_name": "uws_core_tests",
      "sources": [
        "<!@(node -p \"['core','test'].filter(d => require('fs').existsSync('native/' + d)).flatMap(d => require('fs').readdirSync('native/' + d).filter(f => f.endsWith('.cpp')).map(f => 'native/' + d + '/' + f)).join(' ')\")",
        "native/net/syscall_batch.cpp",
        "native/net/page_prefault.cpp"
      ]
    }
  ]
}
