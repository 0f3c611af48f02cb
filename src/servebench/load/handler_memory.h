// Copyright servebench authors.
//
// Fixed memory for Asio's asynchronous operations, so that starting one allocates nothing.
// Asio allocates each pending operation (the handler and its state) through the handler's
// associated allocator; its default recycles memory only for operations started from inside
// the event loop's handlers, and only a couple of blocks per thread. A worker starts reads and
// timers outside handlers too (its precise-send loop), and several at once (a MultiStream
// query), so each kind of operation that is pending at most once at a time gets a HandlerMemory
// of its own, and its handlers are wrapped with WithMemory.

#ifndef SERVEBENCH_LOAD_HANDLER_MEMORY_H_
#define SERVEBENCH_LOAD_HANDLER_MEMORY_H_

#include <cstddef>
#include <new>
#include <utility>

namespace servebench {

// One block, for one pending operation at a time; a second request at once, or a larger one,
// falls back to the heap (correct, only slower).
class HandlerMemory {
 public:
  HandlerMemory() = default;
  HandlerMemory(const HandlerMemory&) = delete;
  HandlerMemory& operator=(const HandlerMemory&) = delete;

  void* Allocate(std::size_t size) {
    if (!in_use_ && size <= sizeof storage_) {
      in_use_ = true;
      return storage_;
    }
    return ::operator new(size);
  }
  void Deallocate(void* pointer) {
    if (pointer == storage_) {
      in_use_ = false;
    } else {
      ::operator delete(pointer);
    }
  }

 private:
  alignas(std::max_align_t) unsigned char storage_[512];
  bool in_use_ = false;
};

// The standard allocator interface over a HandlerMemory.
template <typename T>
class HandlerAllocator {
 public:
  using value_type = T;
  explicit HandlerAllocator(HandlerMemory* memory) : memory_(memory) {}
  template <typename U>
  HandlerAllocator(const HandlerAllocator<U>& other) noexcept : memory_(other.memory_) {}

  T* allocate(std::size_t n) const { return static_cast<T*>(memory_->Allocate(sizeof(T) * n)); }
  void deallocate(T* pointer, std::size_t) const { memory_->Deallocate(pointer); }

  bool operator==(const HandlerAllocator& other) const { return memory_ == other.memory_; }
  bool operator!=(const HandlerAllocator& other) const { return memory_ != other.memory_; }

 private:
  template <typename>
  friend class HandlerAllocator;
  HandlerMemory* memory_;
};

// A handler whose associated allocator (found by Asio through allocator_type and
// get_allocator) is `memory`.
template <typename Handler>
class WithMemoryHandler {
 public:
  using allocator_type = HandlerAllocator<Handler>;
  WithMemoryHandler(HandlerMemory* memory, Handler handler)
      : memory_(memory), handler_(std::move(handler)) {}
  allocator_type get_allocator() const noexcept { return allocator_type(memory_); }
  template <typename... Args>
  void operator()(Args&&... args) {
    handler_(std::forward<Args>(args)...);
  }

 private:
  HandlerMemory* memory_;
  Handler handler_;
};

template <typename Handler>
WithMemoryHandler<Handler> WithMemory(HandlerMemory* memory, Handler handler) {
  return WithMemoryHandler<Handler>(memory, std::move(handler));
}

}  // namespace servebench

#endif  // SERVEBENCH_LOAD_HANDLER_MEMORY_H_
