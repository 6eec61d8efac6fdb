//! Bakes LibTorch's library folder into the binary's RUNPATH, so `lsnn-rl`
//! runs without LD_LIBRARY_PATH. torch-sys (links = "tch") hands the folder to
//! its direct dependents as DEP_TCH_LIBTORCH_LIB.
//!
//! With LSNN_RL_CUDA=1 the binary also links libtorch_cuda.so: the linker drops
//! it otherwise (nothing references it by name), and LibTorch then sees no GPU.

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    println!("cargo:rerun-if-env-changed=LSNN_RL_CUDA");
    if let Ok(dir) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
        if std::env::var("LSNN_RL_CUDA").is_ok_and(|v| v == "1") {
            println!("cargo:rustc-link-arg-bins=-L{dir}");
            println!("cargo:rustc-link-arg-bins=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
        }
    }
}
